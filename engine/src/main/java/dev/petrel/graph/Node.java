package dev.petrel.graph;

import java.util.List;

/**
 * One operator application. Input and output names refer to graph values; an empty name marks an
 * optional input or output that is absent. {@link #opsetVersion()} is the opset the model imports for
 * the node's domain, which selects the operator's semantics.
 */
public final class Node {
    private final String name;
    private final String opType;
    private final String domain;
    private final int opsetVersion;
    private final List<String> inputs;
    private final List<String> outputs;
    private final Attributes attributes;

    public Node(String name, String opType, String domain, int opsetVersion,
                List<String> inputs, List<String> outputs, Attributes attributes) {
        this.name = name;
        this.opType = opType;
        this.domain = normalizeDomain(domain);
        this.opsetVersion = opsetVersion;
        this.inputs = List.copyOf(inputs);
        this.outputs = List.copyOf(outputs);
        this.attributes = attributes;
    }

    /** ONNX treats "" and "ai.onnx" as the same default domain; Petrel uses "". */
    public static String normalizeDomain(String domain) {
        return domain == null || domain.equals("ai.onnx") ? "" : domain;
    }

    public String name() { return name; }
    public String opType() { return opType; }
    /** "" for the default ONNX domain. */
    public String domain() { return domain; }
    public int opsetVersion() { return opsetVersion; }
    public List<String> inputs() { return inputs; }
    public List<String> outputs() { return outputs; }
    public Attributes attributes() { return attributes; }

    /** Input {@code i}'s value name, or "" when absent or past the end. */
    public String input(int i) {
        return i < inputs.size() ? inputs.get(i) : "";
    }

    /** "domain::Op (opset N)" as used in error messages and reports. */
    public String operatorId() {
        return (domain.isEmpty() ? "" : domain + "::") + opType + " (opset " + opsetVersion + ")";
    }

    @Override
    public String toString() {
        return "'" + name + "' (" + opType + ")";
    }
}
