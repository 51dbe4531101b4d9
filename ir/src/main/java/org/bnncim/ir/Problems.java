package org.bnncim.ir;

import java.util.ArrayList;
import java.util.List;

/** Collects, in order, the messages of failed expectations; lets each node's shape check read as a list of rules. */
final class Problems {
    private final List<String> found = new ArrayList<>();

    Problems expect(boolean ok, String message) {
        if (!ok) found.add(message);
        return this;
    }

    List<String> list() {
        return List.copyOf(found);
    }
}
