package org.bnncim.ir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VerifierTest {
    private static final Value IN = new Value("x", new TensorType(ElemType.BIPOLAR, Shape.of(4)));

    private static Node.BinaryDense dense(String in, String out, int k) {
        return new Node.BinaryDense(
                "d_" + out,
                in,
                new Value(out, new TensorType(ElemType.INT32, Shape.of(2))),
                BitMatrix.of(k, 2, (a, b) -> true));
    }

    @Test
    void acceptsWellFormedGraph() {
        Graph g = new Graph("ok", List.of(IN), List.of(dense("x", "y", 4)), List.of("y"), Map.of());
        assertEquals(List.of(), Verifier.check(g));
    }

    @Test
    void reportsUseBeforeDefinitionDoubleProducerAndShapes() {
        Graph early =
                new Graph("g", List.of(IN), List.of(dense("y", "z", 2), dense("x", "y", 4)), List.of("z"), Map.of());
        assertTrue(Verifier.check(early).get(0).contains("before it is defined"));
        Graph twice =
                new Graph("g", List.of(IN), List.of(dense("x", "y", 4), dense("x", "y", 4)), List.of("y"), Map.of());
        assertTrue(Verifier.check(twice).stream().anyMatch(e -> e.contains("more than one producer")));
        Graph shapes = new Graph("g", List.of(IN), List.of(dense("x", "y", 5)), List.of("y"), Map.of());
        assertTrue(Verifier.check(shapes).get(0).contains("weights have 5 rows"));
        Graph missing = new Graph("g", List.of(IN), List.of(dense("x", "y", 4)), List.of("nope"), Map.of());
        assertTrue(Verifier.check(missing).get(0).contains("never produced"));
    }
}
