package org.bnncim.compiler.frontend;

import ai.onnx.proto.OnnxMl;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import org.bnncim.ir.BnncimException;

/**
 * ONNX demands topological order, but some writers do not keep it. Kahn's algorithm with the lowest file position
 * first: a sorted graph keeps its file order, and a hostile graph of many nodes listed backwards costs n log n,
 * not the n^2 of repeated sweeps.
 */
final class GraphOrder {
    private GraphOrder() {}

    /** The nodes of {@code g} in an order where each reads only {@code defined} names or earlier outputs. */
    static List<OnnxMl.NodeProto> of(OnnxMl.GraphProto g, Set<String> defined, String source) {
        List<OnnxMl.NodeProto> nodes = g.getNodeList();
        Map<String, List<Integer>> readers = new HashMap<>();
        Set<String> produced = new HashSet<>();
        for (OnnxMl.NodeProto n : nodes) produced.addAll(n.getOutputList());
        int[] waiting = new int[nodes.size()];
        for (int i = 0; i < nodes.size(); i++) {
            OnnxMl.NodeProto n = nodes.get(i);
            Set<String> awaited = new HashSet<>();
            for (String in : n.getInputList()) {
                if (in.isEmpty() || defined.contains(in)) continue;
                if (!produced.contains(in)) {
                    throw new BnncimException(source + ": " + ImportState.describe(n) + " reads '" + in
                            + "', which no node, input or initializer defines");
                }
                if (awaited.add(in))
                    readers.computeIfAbsent(in, k -> new ArrayList<>()).add(i);
            }
            waiting[i] = awaited.size();
        }
        PriorityQueue<Integer> ready = new PriorityQueue<>();
        for (int i = 0; i < nodes.size(); i++) if (waiting[i] == 0) ready.add(i);
        Set<String> known = new HashSet<>();
        List<OnnxMl.NodeProto> order = new ArrayList<>(nodes.size());
        while (!ready.isEmpty()) {
            OnnxMl.NodeProto n = nodes.get(ready.poll());
            order.add(n);
            for (String out : n.getOutputList()) {
                // a name produced twice releases its readers once; the importer refuses the second producer
                if (!known.add(out)) continue;
                for (int r : readers.getOrDefault(out, List.of())) if (--waiting[r] == 0) ready.add(r);
            }
        }
        if (order.size() < nodes.size()) {
            for (int i = 0; i < nodes.size(); i++) {
                if (waiting[i] > 0) {
                    throw new BnncimException(
                            source + ": the graph has a cycle through " + ImportState.describe(nodes.get(i)));
                }
            }
        }
        return order;
    }
}
