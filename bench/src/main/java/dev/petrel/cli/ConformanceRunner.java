package dev.petrel.cli;

import dev.petrel.DType;
import dev.petrel.Model;
import dev.petrel.PetrelException;
import dev.petrel.Session;
import dev.petrel.Tensor;
import dev.petrel.UnsupportedFeatureException;
import dev.petrel.graph.ValueInfo;
import dev.petrel.onnx.NamedTensor;
import dev.petrel.onnx.TensorProtos;
import dev.petrel.spi.Float16;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * Runs ONNX backend tests: folders holding {@code model.onnx} and {@code test_data_set_N/input_K.pb,
 * output_K.pb}. Each output is compared with ONNX's usual tolerance (rtol 1e-3, atol 1e-7 for floating
 * point, exact for integers and booleans). A test whose model uses something Petrel does not implement is
 * skipped, with the reason; a wrong result, a crash or a time-out is a failure.
 */
public final class ConformanceRunner {
    public static final double RTOL = 1e-3;
    public static final double ATOL = 1e-7;

    /** The outcome of one test folder. */
    public enum Status { PASS, FAIL, SKIP }

    /** One test's outcome and why. */
    public record Result(String name, Status status, String detail) {}

    /** Totals of a run, with the skip reasons grouped. */
    public record Summary(int passed, int failed, int skipped, List<Result> results, Map<String, Integer> skipReasons) {
        public String line() {
            return passed + " passed, " + failed + " failed, " + skipped + " skipped";
        }
    }

    private final long timeoutSeconds;

    public ConformanceRunner(long timeoutSeconds) {
        this.timeoutSeconds = timeoutSeconds;
    }

    /** Test folders under {@code root} (any depth) whose folder name matches the glob. */
    public static List<Path> findTests(Path root, String glob) throws IOException {
        PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + (glob == null ? "*" : glob));
        List<Path> tests = new ArrayList<>();
        try (Stream<Path> s = Files.walk(root)) {
            s.filter(p -> p.getFileName().toString().equals("model.onnx"))
                    .map(Path::getParent)
                    .filter(d -> m.matches(d.getFileName()))
                    .sorted()
                    .forEach(tests::add);
        }
        return tests;
    }

    public Summary runAll(List<Path> tests, PrintStream out, boolean verbose) {
        ExecutorService pool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "conformance");
            t.setDaemon(true);
            return t;
        });
        int pass = 0, fail = 0, skip = 0;
        List<Result> results = new ArrayList<>();
        Map<String, Integer> reasons = new TreeMap<>();
        try {
            for (Path dir : tests) {
                Result r = runWithTimeout(pool, dir);
                results.add(r);
                switch (r.status()) {
                    case PASS -> pass++;
                    case FAIL -> fail++;
                    case SKIP -> {
                        skip++;
                        reasons.merge(r.detail(), 1, Integer::sum);
                    }
                }
                if (verbose || r.status() != Status.PASS) {
                    out.println(r.status() + " " + r.name() + (r.detail().isEmpty() ? "" : ": " + r.detail()));
                }
            }
        } finally {
            pool.shutdownNow();
        }
        return new Summary(pass, fail, skip, results, reasons);
    }

    private Result runWithTimeout(ExecutorService pool, Path dir) {
        String name = dir.getFileName().toString();
        Future<Result> f = pool.submit(() -> runOne(dir));
        try {
            return f.get(timeoutSeconds, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            return new Result(name, Status.FAIL, "timed out after " + timeoutSeconds + " s");
        } catch (Exception e) {
            return new Result(name, Status.FAIL, String.valueOf(e.getCause() != null ? e.getCause() : e));
        }
    }

    /** Loads, runs and compares one test folder. */
    public static Result runOne(Path dir) {
        String name = dir.getFileName().toString();
        Model model;
        try {
            model = Model.load(dir.resolve("model.onnx"));
        } catch (UnsupportedFeatureException e) {
            return new Result(name, Status.SKIP, e.getMessage());
        } catch (RuntimeException | Error e) {
            return new Result(name, Status.FAIL, "load: " + e);
        }
        List<Path> sets;
        try (Stream<Path> s = Files.list(dir)) {
            sets = s.filter(p -> p.getFileName().toString().startsWith("test_data_set_")).sorted().toList();
        } catch (IOException e) {
            return new Result(name, Status.FAIL, "cannot list " + dir + ": " + e);
        }
        if (sets.isEmpty()) return new Result(name, Status.SKIP, "no test_data_set folder");
        try (Session session = model.newSession()) {
            for (Path set : sets) {
                String problem = runDataSet(model, session, set);
                if (problem != null) {
                    boolean unsupported = problem.startsWith("unsupported: ");
                    return new Result(name, unsupported ? Status.SKIP : Status.FAIL,
                            (sets.size() > 1 ? set.getFileName() + ": " : "") + (unsupported ? problem.substring(13) : problem));
                }
            }
        } catch (UnsupportedFeatureException e) {
            return new Result(name, Status.SKIP, e.getMessage());
        } catch (RuntimeException | Error e) {
            return new Result(name, Status.FAIL, e.toString());
        }
        return new Result(name, Status.PASS, "");
    }

    /** Null when every output matches, else what went wrong. */
    private static String runDataSet(Model model, Session session, Path set) {
        List<NamedTensor> inputs;
        List<NamedTensor> expected;
        try {
            inputs = readNumbered(set, "input_");
            expected = readNumbered(set, "output_");
        } catch (UnsupportedFeatureException e) {
            return "unsupported: " + e.getMessage();
        } catch (IOException | PetrelException e) {
            if (e.getMessage() != null && e.getMessage().contains("not a TensorProto")) return "unsupported: " + e.getMessage();
            return "reading test data: " + e;
        }
        List<ValueInfo> feedable = new ArrayList<>();
        for (ValueInfo v : model.inputs()) {
            if (!model.graph().initializers().containsKey(v.name())) feedable.add(v);
        }
        Map<String, Tensor> feeds = new LinkedHashMap<>();
        for (int i = 0; i < inputs.size(); i++) {
            NamedTensor in = inputs.get(i);
            String inName = in.name() != null && !in.name().isEmpty() ? in.name()
                    : i < feedable.size() ? feedable.get(i).name() : null;
            if (inName == null) return "input_" + i + ".pb has no name and the model has only " + feedable.size() + " inputs";
            DType declared = null;
            for (ValueInfo v : feedable) if (v.name().equals(inName)) declared = v.dtype();
            feeds.put(inName, asDeclared(in.tensor(), declared));
        }
        Map<String, Tensor> actual;
        try {
            actual = session.run(feeds);
        } catch (dev.petrel.InvalidInputException e) {
            // A few ONNX 1.12 tests feed inputs that contradict the model's own declared shape (e.g. CastLike's
            // 'like' as [1] for a declared [3, 4]); Petrel rejects such inputs, as ONNX Runtime does.
            return "unsupported: test data contradicts the model's declared inputs: " + e.getMessage();
        }
        List<ValueInfo> outs = model.outputs();
        Map<String, Tensor> byName = new HashMap<>(actual);
        for (int i = 0; i < expected.size(); i++) {
            NamedTensor e = expected.get(i);
            String outName = e.name() != null && !e.name().isEmpty() ? e.name() : i < outs.size() ? outs.get(i).name() : null;
            Tensor a = outName == null ? null : byName.get(outName);
            if (a == null) return "no output '" + outName + "'";
            String diff = compare(asDeclared(e.tensor(), a.dtype()), a);
            if (diff != null) return "output '" + outName + "': " + diff;
        }
        return null;
    }

    /**
     * The ONNX 1.12 test data stores bfloat16 tensors as UINT16 (same bits); read them as the type the
     * model declares.
     */
    private static Tensor asDeclared(Tensor t, DType declared) {
        if (declared == DType.BFLOAT16 && t.dtype() == DType.UINT16) return Tensor.wrap(DType.BFLOAT16, t.bytes(), t.dims());
        return t;
    }

    private static List<NamedTensor> readNumbered(Path set, String prefix) throws IOException {
        List<NamedTensor> list = new ArrayList<>();
        for (int i = 0; ; i++) {
            Path f = set.resolve(prefix + i + ".pb");
            if (!Files.exists(f)) break;
            list.add(TensorProtos.read(f));
        }
        return list;
    }

    /** Null when {@code actual} matches {@code expected} within tolerance, else the first difference. */
    public static String compare(Tensor expected, Tensor actual) {
        if (expected.dtype() != actual.dtype()) {
            return "type " + actual.dtype() + ", expected " + expected.dtype();
        }
        if (!java.util.Arrays.equals(expected.dims(), actual.dims())) {
            return "shape " + java.util.Arrays.toString(actual.dims()) + ", expected " + java.util.Arrays.toString(expected.dims());
        }
        DType t = expected.dtype();
        int n = expected.size();
        int bad = 0;
        String first = null;
        for (int i = 0; i < n; i++) {
            boolean ok;
            String ev, av;
            if (t.isFloatingPoint()) {
                double e = floatingAt(expected, i), a = floatingAt(actual, i);
                ok = (Double.isNaN(e) && Double.isNaN(a)) || e == a || Math.abs(a - e) <= ATOL + RTOL * Math.abs(e);
                ev = Double.toString(e);
                av = Double.toString(a);
            } else {
                long e = integerAt(expected, i), a = integerAt(actual, i);
                ok = e == a;
                ev = Long.toString(e);
                av = Long.toString(a);
            }
            if (!ok) {
                if (first == null) first = "element " + i + " is " + av + ", expected " + ev;
                bad++;
            }
        }
        return bad == 0 ? null : first + " (" + bad + " of " + n + " elements differ)";
    }

    private static double floatingAt(Tensor t, int i) {
        return switch (t.dtype()) {
            case FLOAT -> t.floats().get(i);
            case DOUBLE -> t.doubles().get(i);
            case FLOAT16 -> Float16.toFloat(t.shorts().get(i));
            case BFLOAT16 -> Float16.bfloat16ToFloat(t.shorts().get(i));
            default -> throw new IllegalStateException(t.dtype().toString());
        };
    }

    private static long integerAt(Tensor t, int i) {
        return switch (t.dtype()) {
            case INT64, UINT64 -> t.longs().get(i);
            case INT32, UINT32 -> t.ints().get(i);
            case INT16, UINT16 -> t.shorts().get(i);
            case INT8, UINT8, BOOL -> t.bytes().get(i);
            default -> throw new IllegalStateException(t.dtype().toString());
        };
    }
}
