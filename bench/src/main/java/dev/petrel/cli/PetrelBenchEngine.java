package dev.petrel.cli;

import dev.petrel.Model;
import dev.petrel.Options;
import dev.petrel.Session;
import dev.petrel.Tensor;
import dev.petrel.spi.Float16;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Petrel under the benchmark: {@code Model.load}, {@code newSession}, {@code Session.run}. */
final class PetrelBenchEngine implements BenchEngine {
    private Model model;
    private Session session;
    private Map<String, Tensor> inputs;
    private Map<String, double[]> outputs = Map.of();
    private final boolean profile;

    PetrelBenchEngine(boolean profile) {
        this.profile = profile;
    }

    @Override
    public String name() {
        return "petrel";
    }

    @Override
    public long init() {
        long t0 = System.nanoTime();
        Model.registry();
        return System.nanoTime() - t0;
    }

    @Override
    public long load(Path file) {
        long t0 = System.nanoTime();
        model = Model.load(file);
        return System.nanoTime() - t0;
    }

    /** The loaded model, whose declared inputs the benchmark synthesizes values for. */
    Model model() {
        return model;
    }

    @Override
    public long createSession(int threads) {
        long t0 = System.nanoTime();
        session = model.newSession(new Options().threads(threads).profile(profile));
        return System.nanoTime() - t0;
    }

    @Override
    public void prepare(Map<String, Tensor> feeds) {
        this.inputs = feeds;
    }

    @Override
    public long run(boolean keepOutputs) {
        long t0 = System.nanoTime();
        Map<String, Tensor> out = session.run(inputs);
        long t1 = System.nanoTime();
        if (keepOutputs) {
            Map<String, double[]> widened = new LinkedHashMap<>();
            for (Map.Entry<String, Tensor> e : out.entrySet()) widened.put(e.getKey(), widen(e.getValue()));
            outputs = widened;
        }
        return t1 - t0;
    }

    @Override
    public Map<String, double[]> outputs() {
        return outputs;
    }

    /** Time per operator type since {@link #resetProfile} (empty unless profiling). */
    Map<String, long[]> profile() {
        return session == null ? Map.of() : session.profile();
    }

    void resetProfile() {
        if (session != null) session.resetProfile();
    }

    /** Bytes of the activation arena planned for the benchmark's input shapes. */
    long plannedBytes() {
        return session == null ? 0 : session.plannedBytes();
    }

    @Override
    public String details() {
        return "backends " + Model.backends();
    }

    @Override
    public void close() {
        if (session != null) session.close();
    }

    static double[] widen(Tensor t) {
        int n = t.size();
        double[] d = new double[n];
        switch (t.dtype()) {
            case FLOAT -> { var b = t.floats(); for (int i = 0; i < n; i++) d[i] = b.get(i); }
            case DOUBLE -> { var b = t.doubles(); for (int i = 0; i < n; i++) d[i] = b.get(i); }
            case FLOAT16 -> { var b = t.shorts(); for (int i = 0; i < n; i++) d[i] = Float16.toFloat(b.get(i)); }
            case BFLOAT16 -> { var b = t.shorts(); for (int i = 0; i < n; i++) d[i] = Float16.bfloat16ToFloat(b.get(i)); }
            case INT64 -> { var b = t.longs(); for (int i = 0; i < n; i++) d[i] = b.get(i); }
            case UINT64 -> { var b = t.longs(); for (int i = 0; i < n; i++) d[i] = unsigned(b.get(i)); }
            case INT32 -> { var b = t.ints(); for (int i = 0; i < n; i++) d[i] = b.get(i); }
            case UINT32 -> { var b = t.ints(); for (int i = 0; i < n; i++) d[i] = Integer.toUnsignedLong(b.get(i)); }
            case INT16 -> { var b = t.shorts(); for (int i = 0; i < n; i++) d[i] = b.get(i); }
            case UINT16 -> { var b = t.shorts(); for (int i = 0; i < n; i++) d[i] = b.get(i) & 0xFFFF; }
            case INT8, BOOL -> { var b = t.bytes(); for (int i = 0; i < n; i++) d[i] = b.get(i); }
            case UINT8 -> { var b = t.bytes(); for (int i = 0; i < n; i++) d[i] = b.get(i) & 0xFF; }
            default -> throw new IllegalArgumentException("cannot compare outputs of type " + t.dtype());
        }
        return d;
    }

    private static double unsigned(long v) {
        return v >= 0 ? v : (double) (v >>> 1) * 2.0 + (v & 1);
    }
}
