package dev.petrel.quantize;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.petrel.DType;
import dev.petrel.Tensor;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/** Runs a model file with ONNX Runtime Java on Petrel tensors (FLOAT and INT64 feeds, FLOAT outputs). */
final class OrtRunner implements AutoCloseable {
    static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();
    private final OrtSession session;

    OrtRunner(Path file) throws Exception {
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            session = ENV.createSession(file.toString(), options);
        }
    }

    Map<String, float[]> run(Map<String, Tensor> feeds) throws Exception {
        Map<String, OnnxTensor> in = new HashMap<>();
        try {
            for (Map.Entry<String, Tensor> e : feeds.entrySet()) {
                Tensor t = e.getValue();
                long[] shape = t.shape();
                if (t.dtype() == DType.FLOAT) {
                    in.put(e.getKey(), OnnxTensor.createTensor(ENV, FloatBuffer.wrap(t.toFloatArray()), shape));
                } else if (t.dtype() == DType.INT64) {
                    in.put(e.getKey(), OnnxTensor.createTensor(ENV, LongBuffer.wrap(t.toLongArray()), shape));
                } else if (t.dtype() == DType.BOOL && t.rank() == 1) {
                    boolean[] b = new boolean[t.size()];
                    for (int i = 0; i < b.length; i++) b[i] = t.bytes().get(i) != 0;
                    in.put(e.getKey(), OnnxTensor.createTensor(ENV, b));
                } else {
                    throw new IllegalArgumentException("feed type " + t.dtype());
                }
            }
            Map<String, float[]> out = new LinkedHashMap<>();
            try (OrtSession.Result r = session.run(in)) {
                for (Map.Entry<String, OnnxValue> e : r) {
                    OnnxTensor t = (OnnxTensor) e.getValue();
                    FloatBuffer fb = t.getFloatBuffer();
                    if (fb == null) continue;
                    float[] v = new float[fb.remaining()];
                    fb.get(v);
                    out.put(e.getKey(), v);
                }
            }
            return out;
        } finally {
            for (OnnxTensor t : in.values()) t.close();
        }
    }

    @Override
    public void close() throws Exception {
        session.close();
    }
}
