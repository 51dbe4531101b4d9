package org.bnncim.ir;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An immutable IR graph: inputs, nodes in a topological order, outputs. Passes build a new graph rather than
 * mutating one, so any intermediate IR can be printed and compared.
 */
public final class Graph {
    private final String name;
    private final List<Value> inputs;
    private final List<Node> nodes;
    private final List<String> outputs;
    private final Map<String, String> notes;
    private final Map<String, Value> values = new LinkedHashMap<>();
    private final Map<String, Node> producers = new LinkedHashMap<>();

    /**
     * @param notes facts about the model a reader should see (e.g. how the first layer's input is handled), kept
     *              in insertion order so printing is deterministic
     */
    public Graph(String name, List<Value> inputs, List<Node> nodes, List<String> outputs, Map<String, String> notes) {
        this.name = name;
        this.inputs = List.copyOf(inputs);
        this.nodes = List.copyOf(nodes);
        this.outputs = List.copyOf(outputs);
        this.notes = Collections.unmodifiableMap(new LinkedHashMap<>(notes));
        for (Value v : this.inputs) values.putIfAbsent(v.name(), v);
        for (Node n : this.nodes) {
            values.putIfAbsent(n.output().name(), n.output());
            producers.putIfAbsent(n.output().name(), n);
        }
    }

    public String name() {
        return name;
    }

    public List<Value> inputs() {
        return inputs;
    }

    public List<Node> nodes() {
        return nodes;
    }

    public List<String> outputs() {
        return outputs;
    }

    public Map<String, String> notes() {
        return notes;
    }

    public Value value(String valueName) {
        Value v = values.get(valueName);
        if (v == null) throw new IllegalArgumentException("no value named " + valueName);
        return v;
    }

    public Optional<Node> producer(String valueName) {
        return Optional.ofNullable(producers.get(valueName));
    }

    public List<Node> consumers(String valueName) {
        List<Node> out = new ArrayList<>();
        for (Node n : nodes) if (n.inputs().contains(valueName)) out.add(n);
        return out;
    }

    public <T extends Node> List<T> nodesOf(Class<T> kind) {
        List<T> out = new ArrayList<>();
        for (Node n : nodes) if (kind.isInstance(n)) out.add(kind.cast(n));
        return out;
    }

    /** How many stochastic bits one forward pass needs: one per Scale-Dropout layer. */
    public int stochasticBits() {
        int max = -1;
        for (Node n : nodes)
            max = Math.max(max, n.bitSlot().map(Node.BitSlot::bit).orElse(-1));
        return max + 1;
    }

    public Graph withNodes(List<Node> newNodes) {
        return new Graph(name, inputs, newNodes, outputs, notes);
    }

    public Graph withNotes(Map<String, String> newNotes) {
        return new Graph(name, inputs, nodes, outputs, newNotes);
    }

    public Value output() {
        if (outputs.size() != 1) throw new IllegalStateException("graph has " + outputs.size() + " outputs");
        return value(outputs.get(0));
    }
}
