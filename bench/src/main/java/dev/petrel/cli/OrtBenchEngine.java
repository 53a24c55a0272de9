package dev.petrel.cli;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.petrel.DType;
import dev.petrel.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * ONNX Runtime Java under the benchmark, at its default optimization level (what a user gets), with the
 * same number of intra-op threads as Petrel. ONNX Runtime reads the model while creating the session,
 * so its load time is its session creation time.
 */
final class OrtBenchEngine implements BenchEngine {
    /** Session configuration entries passed through (e.g. session.intra_op.allow_spinning=0). */
    private final Map<String, String> config;
    private OrtEnvironment env;
    private Path file;
    private OrtSession session;
    private final Map<String, OnnxTensor> feeds = new LinkedHashMap<>();
    private Map<String, double[]> outputs = Map.of();

    OrtBenchEngine(Map<String, String> config) {
        this.config = Map.copyOf(config);
    }

    @Override
    public String name() {
        return "onnxruntime";
    }

    @Override
    public long init() {
        long t0 = System.nanoTime();
        env = OrtEnvironment.getEnvironment();
        return System.nanoTime() - t0;
    }

    @Override
    public long load(Path model) {
        this.file = model;
        return 0;
    }

    @Override
    public long createSession(int threads) throws Exception {
        long t0 = System.nanoTime();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(threads);
            for (Map.Entry<String, String> e : config.entrySet()) options.addConfigEntry(e.getKey(), e.getValue());
            session = env.createSession(file.toString(), options);
        }
        return System.nanoTime() - t0;
    }

    @Override
    public void prepare(Map<String, Tensor> inputs) throws Exception {
        for (Map.Entry<String, Tensor> e : inputs.entrySet()) {
            Tensor t = e.getValue();
            ByteBuffer raw = ByteBuffer.allocateDirect(t.bytes().limit()).order(ByteOrder.nativeOrder());
            ByteBuffer src = t.bytes();
            // Petrel stores little-endian; ONNX Runtime wants native order, the same on every platform it ships for.
            for (int i = 0; i < src.limit(); i++) raw.put(i, src.get(i));
            feeds.put(e.getKey(), OnnxTensor.createTensor(env, raw, t.shape(), javaType(t.dtype())));
        }
    }

    @Override
    public long run(boolean keepOutputs) throws Exception {
        long t0 = System.nanoTime();
        OrtSession.Result result = session.run(feeds);
        long t1 = System.nanoTime();
        try (result) {
            if (keepOutputs) {
                Map<String, double[]> widened = new LinkedHashMap<>();
                for (Map.Entry<String, OnnxValue> e : result) {
                    if (e.getValue() instanceof OnnxTensor ot) widened.put(e.getKey(), widen(ot));
                }
                outputs = widened;
            }
        }
        return t1 - t0;
    }

    @Override
    public Map<String, double[]> outputs() {
        return outputs;
    }

    @Override
    public String details() {
        return "ONNX Runtime " + env.getVersion() + ", default optimization level" + (config.isEmpty() ? "" : ", session config " + config);
    }

    @Override
    public void close() throws Exception {
        for (OnnxTensor t : feeds.values()) t.close();
        feeds.clear();
        if (session != null) session.close();
    }

    static OnnxJavaType javaType(DType type) {
        return switch (type) {
            case FLOAT -> OnnxJavaType.FLOAT;
            case DOUBLE -> OnnxJavaType.DOUBLE;
            case INT8 -> OnnxJavaType.INT8;
            case UINT8 -> OnnxJavaType.UINT8;
            case INT16 -> OnnxJavaType.INT16;
            case INT32 -> OnnxJavaType.INT32;
            case INT64 -> OnnxJavaType.INT64;
            case BOOL -> OnnxJavaType.BOOL;
            case FLOAT16 -> OnnxJavaType.FLOAT16;
            case BFLOAT16 -> OnnxJavaType.BFLOAT16;
            default -> throw new IllegalArgumentException("ONNX Runtime Java cannot take inputs of type " + type);
        };
    }

    static double[] widen(OnnxTensor t) {
        OnnxJavaType type = t.getInfo().type;
        int n = (int) t.getInfo().getNumElements();
        double[] d = new double[n];
        switch (type) {
            case FLOAT, FLOAT16, BFLOAT16 -> { var b = t.getFloatBuffer(); for (int i = 0; i < n; i++) d[i] = b.get(i); }
            case DOUBLE -> { var b = t.getDoubleBuffer(); for (int i = 0; i < n; i++) d[i] = b.get(i); }
            case INT64 -> { var b = t.getLongBuffer(); for (int i = 0; i < n; i++) d[i] = b.get(i); }
            case INT32 -> { var b = t.getIntBuffer(); for (int i = 0; i < n; i++) d[i] = b.get(i); }
            case INT16 -> { var b = t.getShortBuffer(); for (int i = 0; i < n; i++) d[i] = b.get(i); }
            case INT8, BOOL -> { var b = t.getByteBuffer(); for (int i = 0; i < n; i++) d[i] = b.get(i); }
            case UINT8 -> { var b = t.getByteBuffer(); for (int i = 0; i < n; i++) d[i] = b.get(i) & 0xFF; }
            default -> throw new IllegalArgumentException("cannot compare ONNX Runtime outputs of type " + type);
        }
        return d;
    }
}
