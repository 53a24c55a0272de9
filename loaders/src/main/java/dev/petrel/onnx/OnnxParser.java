package dev.petrel.onnx;

import dev.petrel.DType;
import dev.petrel.ModelFormatException;
import dev.petrel.Tensor;
import dev.petrel.UnsupportedFeatureException;
import dev.petrel.graph.Attribute;
import dev.petrel.graph.Attributes;
import dev.petrel.graph.Dim;
import dev.petrel.graph.Graph;
import dev.petrel.graph.Node;
import dev.petrel.graph.ValueInfo;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns the messages of an ONNX model (ModelProto and below) into a {@link Graph}. One method per
 * message type; the wire format itself is {@link ProtoReader}'s business.
 */
final class OnnxParser {
    /** Deeper nesting of If/Loop/Scan bodies is certainly hostile; it would otherwise overflow the stack. */
    static final int MAX_GRAPH_DEPTH = 64;

    private final ExternalFiles files;
    private final Map<String, Integer> opsets = new LinkedHashMap<>();

    OnnxParser(ExternalFiles files) {
        this.files = files;
    }

    // ------------------------------------------------------------------ ModelProto

    Graph modelProto(ProtoReader r) {
        long irVersion = 0;
        ProtoReader graph = null;
        List<ProtoReader> opsetImports = new ArrayList<>();
        while (r.next()) {
            switch (r.field()) {
                case 1: irVersion = r.varint("ir_version"); break;
                case 7:
                    if (graph != null) throw r.fieldError("graph", "appears twice");
                    graph = r.message("graph", "GraphProto");
                    break;
                case 8: opsetImports.add(r.message("opset_import", "OperatorSetIdProto")); break;
                default: r.skip();
            }
        }
        for (ProtoReader o : opsetImports) operatorSetIdProto(o);
        if (graph == null) throw r.messageError("has no graph");
        if (opsets.isEmpty()) {
            // Before IR version 3 the default domain's opset was implied; since then it must be imported.
            if (irVersion >= 3) throw r.messageError("has no opset_import (required since IR version 3)");
            opsets.put("", 1);
        }
        return graphProto(graph, Set.of(), 0);
    }

    private void operatorSetIdProto(ProtoReader r) {
        String domain = "";
        long version = -1;
        while (r.next()) {
            switch (r.field()) {
                case 1: domain = r.string("domain"); break;
                case 2: version = r.varint("version"); break;
                default: r.skip();
            }
        }
        domain = Node.normalizeDomain(domain);
        r.subject(domain);
        if (version < 1 || version > Integer.MAX_VALUE) throw r.messageError("invalid opset version " + version);
        Integer prev = opsets.put(domain, (int) version);
        if (prev != null && prev != version) {
            throw r.messageError("domain '" + domain + "' is imported twice, as opset " + prev + " and " + version);
        }
    }

    // ------------------------------------------------------------------ GraphProto

    private Graph graphProto(ProtoReader r, Set<String> outerScope, int depth) {
        if (depth > MAX_GRAPH_DEPTH) throw r.messageError("subgraphs are nested more than " + MAX_GRAPH_DEPTH + " deep");
        String name = "";
        List<ProtoReader> nodes = new ArrayList<>();
        List<ProtoReader> initializers = new ArrayList<>();
        List<ProtoReader> inputs = new ArrayList<>();
        List<ProtoReader> outputs = new ArrayList<>();
        while (r.next()) {
            switch (r.field()) {
                case 1: nodes.add(r.message("node", "NodeProto")); break;
                case 2: name = r.string("name"); r.subject(name); break;
                case 5: initializers.add(r.message("initializer", "TensorProto")); break;
                case 11: inputs.add(r.message("input", "ValueInfoProto")); break;
                case 12: outputs.add(r.message("output", "ValueInfoProto")); break;
                case 15:
                    throw new UnsupportedFeatureException("graph '" + name + "': sparse initializers are not supported");
                default: r.skip();
            }
        }
        Graph.Builder b = new Graph.Builder().name(name);
        for (Map.Entry<String, Integer> e : opsets.entrySet()) b.opset(e.getKey(), e.getValue());
        Set<String> scope = new HashSet<>(outerScope);
        Set<String> inputNames = new HashSet<>();
        for (ProtoReader in : initializers) {
            NamedTensor t = TensorProtoReader.tensorProto(in, files);
            if (t.name().isEmpty()) throw in.messageError("initializer has no name");
            b.initializer(t.name(), t.tensor());
            scope.add(t.name());
        }
        for (ProtoReader in : inputs) {
            ValueInfo v = valueInfoProto(in, "input");
            b.input(v);
            scope.add(v.name());
            inputNames.add(v.name());
        }
        for (ProtoReader out : outputs) b.output(valueInfoProto(out, "output"));

        List<NodeHeader> headers = new ArrayList<>(nodes.size());
        for (int i = 0; i < nodes.size(); i++) {
            NodeHeader h = nodeProto(nodes.get(i), i);
            headers.add(h);
            scope.addAll(h.outputs);
        }
        for (NodeHeader h : headers) {
            List<Attribute> attributes = new ArrayList<>(h.attributes.size());
            Set<String> attributeNames = new HashSet<>();
            for (ProtoReader a : h.attributes) {
                Attribute attr = attributeProto(a, scope, depth);
                if (!attributeNames.add(attr.name())) {
                    throw new ModelFormatException("node " + h + " has attribute '" + attr.name() + "' twice");
                }
                attributes.add(attr);
            }
            if (h.opType.equals("Constant") && h.domain.isEmpty()) {
                constantNode(h, attributes, inputNames, b);
            } else {
                b.node(new Node(h.name, h.opType, h.domain, h.opset, h.inputs, h.outputs, new Attributes(attributes)));
            }
        }
        return b.build(outerScope);
    }

    // ------------------------------------------------------------------ NodeProto

    /** A node's names and operator; its attributes are parsed once every value name of the graph is known. */
    private static final class NodeHeader {
        String name = "";
        String opType = "";
        String domain = "";
        int opset;
        final List<String> inputs = new ArrayList<>();
        final List<String> outputs = new ArrayList<>();
        final List<ProtoReader> attributes = new ArrayList<>();

        @Override
        public String toString() {
            return "'" + name + "' (" + opType + ")";
        }
    }

    private NodeHeader nodeProto(ProtoReader r, int index) {
        NodeHeader h = new NodeHeader();
        while (r.next()) {
            switch (r.field()) {
                case 1: h.inputs.add(r.string("input")); break;
                case 2: h.outputs.add(r.string("output")); break;
                case 3: h.name = r.string("name"); r.subject(h.name); break;
                case 4: h.opType = r.string("op_type"); break;
                case 5: h.attributes.add(r.message("attribute", "AttributeProto")); break;
                case 7: h.domain = Node.normalizeDomain(r.string("domain")); break;
                default: r.skip();
            }
        }
        if (h.opType.isEmpty()) {
            throw r.messageError("node " + (h.name.isEmpty() ? "#" + index : "'" + h.name + "'") + " has no op_type");
        }
        // Error messages name nodes; unnamed ones get a name that points back into the file.
        if (h.name.isEmpty()) h.name = h.opType + "_" + index;
        Integer opset = opsets.get(h.domain);
        if (opset == null) {
            throw new ModelFormatException("node " + h + " is in domain '" + h.domain
                    + "', which the model does not import (opset_import)");
        }
        h.opset = opset;
        return h;
    }

    /** Constant nodes become initializers, so their values stay views of the file like any weight. */
    private static void constantNode(NodeHeader h, List<Attribute> attributes, Set<String> inputNames, Graph.Builder b) {
        if (h.outputs.size() != 1 || h.outputs.get(0).isEmpty() || !h.inputs.isEmpty()) {
            throw new ModelFormatException("Constant node " + h + " must have no inputs and exactly one output");
        }
        if (attributes.size() != 1) {
            throw new ModelFormatException("Constant node " + h + " must have exactly one value attribute, found " + attributes);
        }
        String out = h.outputs.get(0);
        if (inputNames.contains(out)) {
            throw new ModelFormatException("Constant node " + h + " writes '" + out + "', which is a graph input");
        }
        Attribute a = attributes.get(0);
        Tensor t;
        switch (a.name()) {
            case "value":
                requireKind(h, a, Attribute.Kind.TENSOR);
                t = (Tensor) a.value();
                break;
            case "value_float":
                requireKind(h, a, Attribute.Kind.FLOAT);
                t = Tensor.scalar((Float) a.value());
                break;
            case "value_floats": {
                requireKind(h, a, Attribute.Kind.FLOATS);
                float[] v = (float[]) a.value();
                t = Tensor.of(v, v.length);
                break;
            }
            case "value_int":
                requireKind(h, a, Attribute.Kind.INT);
                t = Tensor.of(new long[] {(Long) a.value()});
                break;
            case "value_ints": {
                requireKind(h, a, Attribute.Kind.INTS);
                long[] v = (long[]) a.value();
                t = Tensor.of(v, v.length);
                break;
            }
            case "value_string":
            case "value_strings":
                throw new UnsupportedFeatureException("Constant node " + h + ": string constants are not supported");
            case "sparse_value":
                throw new UnsupportedFeatureException("Constant node " + h + ": sparse constants are not supported");
            default:
                throw new ModelFormatException("Constant node " + h + " has unknown attribute '" + a.name() + "'");
        }
        b.initializer(out, t);
    }

    private static void requireKind(NodeHeader h, Attribute a, Attribute.Kind kind) {
        if (a.kind() != kind) {
            throw new ModelFormatException("Constant node " + h + ": attribute '" + a.name() + "' must be " + kind + ", not " + a.kind());
        }
    }

    // ------------------------------------------------------------------ AttributeProto

    /** AttributeProto.AttributeType numbers, index = number. */
    private static final String[] ATTRIBUTE_TYPES = {
        "UNDEFINED", "FLOAT", "INT", "STRING", "TENSOR", "GRAPH", "FLOATS", "INTS", "STRINGS", "TENSORS", "GRAPHS",
        "SPARSE_TENSOR", "SPARSE_TENSORS", "TYPE_PROTO", "TYPE_PROTOS"
    };

    private Attribute attributeProto(ProtoReader r, Set<String> scope, int depth) {
        String name = "";
        int type = 0;
        Float f = null;
        Long i = null;
        String s = null;
        ProtoReader t = null;
        ProtoReader g = null;
        FloatList floats = new FloatList();
        LongList ints = new LongList();
        List<String> strings = new ArrayList<>();
        List<ProtoReader> tensors = new ArrayList<>();
        List<ProtoReader> graphs = new ArrayList<>();
        boolean sparse = false;
        boolean typeProto = false;
        while (r.next()) {
            switch (r.field()) {
                case 1: name = r.string("name"); r.subject(name); break;
                case 2: f = r.float32("f"); break;
                case 3: i = r.varint("i"); break;
                case 4: s = r.string("s"); break;
                case 5: t = r.message("t", "TensorProto"); break;
                case 6: g = r.message("g", "GraphProto"); break;
                case 7: floats.add(r.segment("floats", ProtoReader.FIXED32), "floats"); break;
                case 8: ints.add(r.segment("ints", ProtoReader.VARINT), "ints"); break;
                case 9: strings.add(r.string("strings")); break;
                case 10: tensors.add(r.message("tensors", "TensorProto")); break;
                case 11: graphs.add(r.message("graphs", "GraphProto")); break;
                case 14: case 15: r.skip(); typeProto = true; break;
                case 20: type = r.int32("type"); break;
                case 21:
                    throw new UnsupportedFeatureException("attribute '" + name + "' refers to a function attribute"
                            + " (ref_attr_name); model functions are not supported");
                case 22: case 23: r.skip(); sparse = true; break;
                default: r.skip();
            }
        }
        if (name.isEmpty()) throw r.messageError("attribute has no name");
        if (type == 0) {
            // Old exporters leave the type out; infer it from the one field that is set.
            if (f != null) type = 1;
            else if (i != null) type = 2;
            else if (s != null) type = 3;
            else if (t != null) type = 4;
            else if (g != null) type = 5;
            else if (floats.size() > 0) type = 6;
            else if (ints.size() > 0) type = 7;
            else if (!strings.isEmpty()) type = 8;
            else if (!tensors.isEmpty()) type = 9;
            else if (!graphs.isEmpty()) type = 10;
            else if (sparse) type = 11;
            else if (typeProto) type = 13;
            else throw r.messageError("has neither a type nor a value");
        }
        switch (type) {
            case 1: return Attribute.ofFloat(name, f == null ? 0f : f);
            case 2: return Attribute.ofInt(name, i == null ? 0L : i);
            case 3: return Attribute.ofString(name, s == null ? "" : s);
            case 4:
                if (t == null) throw r.messageError("is a TENSOR attribute without a tensor (field t)");
                return Attribute.ofTensor(name, TensorProtoReader.tensorProto(t, files).tensor());
            case 5:
                if (g == null) throw r.messageError("is a GRAPH attribute without a graph (field g)");
                return Attribute.ofGraph(name, graphProto(g, scope, depth + 1));
            case 6: return Attribute.ofFloats(name, floats.toArray());
            case 7: return Attribute.ofInts(name, ints.toArray());
            case 8: return Attribute.ofStrings(name, strings);
            case 9: {
                List<Tensor> list = new ArrayList<>(tensors.size());
                for (ProtoReader x : tensors) list.add(TensorProtoReader.tensorProto(x, files).tensor());
                return Attribute.ofTensors(name, list);
            }
            case 10: {
                List<Graph> list = new ArrayList<>(graphs.size());
                for (ProtoReader x : graphs) list.add(graphProto(x, scope, depth + 1));
                return Attribute.ofGraphs(name, list);
            }
            default:
                if (type > 0 && type < ATTRIBUTE_TYPES.length) {
                    throw new UnsupportedFeatureException("attribute '" + name + "' has type " + ATTRIBUTE_TYPES[type]
                            + ", which Petrel does not support");
                }
                throw r.messageError("unknown attribute type " + type);
        }
    }

    // ------------------------------------------------------------------ ValueInfoProto and TypeProto

    private ValueInfo valueInfoProto(ProtoReader r, String role) {
        String name = "";
        ProtoReader type = null;
        while (r.next()) {
            switch (r.field()) {
                case 1: name = r.string("name"); r.subject(name); break;
                case 2: type = r.message("type", "TypeProto"); break;
                default: r.skip();
            }
        }
        if (name.isEmpty()) throw r.messageError("graph " + role + " has no name");
        if (type == null) return new ValueInfo(name, null, null);
        return typeProto(type, name, role);
    }

    private ValueInfo typeProto(ProtoReader r, String name, String role) {
        ProtoReader tensor = null;
        while (r.next()) {
            switch (r.field()) {
                case 1: tensor = r.message("tensor_type", "TypeProto.Tensor"); break;
                case 4: throw unsupportedValueType("sequence", role, name);
                case 5: throw unsupportedValueType("map", role, name);
                case 8: throw unsupportedValueType("sparse tensor", role, name);
                case 9: throw unsupportedValueType("optional", role, name);
                default: r.skip();
            }
        }
        if (tensor == null) return new ValueInfo(name, null, null);
        return tensorTypeProto(tensor, name, role);
    }

    private static UnsupportedFeatureException unsupportedValueType(String kind, String role, String name) {
        return new UnsupportedFeatureException("unsupported value type: " + kind + " for " + role + " '" + name + "'");
    }

    private ValueInfo tensorTypeProto(ProtoReader r, String name, String role) {
        int elemType = 0;
        Dim[] shape = null;
        while (r.next()) {
            switch (r.field()) {
                case 1: elemType = r.int32("elem_type"); break;
                case 2: shape = tensorShapeProto(r.message("shape", "TensorShapeProto")); break;
                default: r.skip();
            }
        }
        DType dtype = null;
        if (elemType != 0) {
            dtype = DType.fromOnnx(elemType);
            if (dtype == null) {
                if (elemType >= 17 && elemType <= 26) {
                    throw new UnsupportedFeatureException("unsupported element type " + elemType + " for " + role + " '" + name + "'");
                }
                throw r.messageError("unknown elem_type " + elemType + " for " + role + " '" + name + "'");
            }
            if (!dtype.isStorable()) {
                throw new UnsupportedFeatureException("unsupported element type " + dtype + " for " + role + " '" + name + "'");
            }
        }
        return new ValueInfo(name, dtype, shape);
    }

    private static Dim[] tensorShapeProto(ProtoReader r) {
        List<Dim> dims = new ArrayList<>();
        while (r.next()) {
            if (r.field() == 1) dims.add(dimension(r.message("dim", "TensorShapeProto.Dimension")));
            else r.skip();
        }
        return dims.toArray(new Dim[0]);
    }

    private static Dim dimension(ProtoReader r) {
        Dim d = Dim.unknown();
        while (r.next()) {
            switch (r.field()) {
                case 1: {
                    long v = r.varint("dim_value");
                    // Some exporters write -1 for "unknown"; a declared shape is only a hint, so accept it as such.
                    d = v >= 0 ? Dim.of(v) : Dim.unknown();
                    break;
                }
                case 2: {
                    String p = r.string("dim_param");
                    d = p.isEmpty() ? Dim.unknown() : Dim.symbol(p);
                    break;
                }
                default: r.skip();
            }
        }
        return d;
    }

    // ------------------------------------------------------------------ repeated scalars

    /** Growable float list for the {@code floats} attribute; grows only as bytes are consumed. */
    private static final class FloatList {
        private float[] a = new float[0];
        private int n;

        void add(ProtoReader.Segment s, String field) {
            int count = s.count(field);
            ensure(count);
            ProtoReader.Values v = s.values(field);
            for (int k = 0; k < count; k++) a[n++] = Float.intBitsToFloat(v.nextFixed32());
        }

        private void ensure(int more) {
            if (n + more > a.length) a = java.util.Arrays.copyOf(a, Math.max(n + more, a.length * 2));
        }

        int size() { return n; }

        float[] toArray() { return java.util.Arrays.copyOf(a, n); }
    }

    private static final class LongList {
        private long[] a = new long[0];
        private int n;

        void add(ProtoReader.Segment s, String field) {
            int count = s.count(field);
            if (n + count > a.length) a = java.util.Arrays.copyOf(a, Math.max(n + count, a.length * 2));
            ProtoReader.Values v = s.values(field);
            for (int k = 0; k < count; k++) a[n++] = v.nextVarint();
        }

        int size() { return n; }

        long[] toArray() { return java.util.Arrays.copyOf(a, n); }
    }
}
