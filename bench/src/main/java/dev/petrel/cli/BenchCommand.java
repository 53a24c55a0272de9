package dev.petrel.cli;

import dev.petrel.Tensor;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code petrel bench MODEL}: load time, first-run time, steady-state latency percentiles, throughput and
 * resident memory of Petrel, optionally against ONNX Runtime Java in the same process. The engines run
 * interleaved run by run, so the drift of a shared machine hits both alike. The last line of the output
 * is machine-readable.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measure load time, first-run time, latency percentiles, throughput and memory of a model.",
                "Inputs are synthesized from the model's declared inputs (token ids for text models).",
                "With --generate: greedy text generation with a GPT-2 Hugging Face folder (--model): time to first token, "
                        + "prefill and decode tokens/s, per-token latency; --compare ort runs an ONNX export with past key/values."})
public final class BenchCommand implements Callable<Integer> {
    /** Threshold above which the engines' outputs are reported as disagreeing. */
    static final double AGREEMENT = 1e-3;
    static final long SEED = 42;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", defaultValue = "minilm",
            description = "Model file (.onnx), or minilm / minilm-int8 for the embedded all-MiniLM-L6-v2 (default ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--seq", defaultValue = "128", description = "Sequence length for symbolic dimensions (default ${DEFAULT-VALUE}).")
    int seq;

    @Option(names = "--batch", defaultValue = "1", description = "Batch size, symbolic dimension 0 (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--threads", defaultValue = "1", description = "Intra-op threads of each engine (default ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--warmup", defaultValue = "5", description = "Untimed runs after the first run (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--iterations", defaultValue = "20", description = "Timed runs (default ${DEFAULT-VALUE}).")
    int iterations;

    @Option(names = "--compare", description = "Also run this engine, interleaved with Petrel: ort (ONNX Runtime Java).")
    String compare;

    @Option(names = "--ort-option", description = "KEY=VALUE session configuration entry for ONNX Runtime, e.g. "
            + "session.intra_op.allow_spinning=0; the benchmark sets session.force_spinning_stop=1 unless given here "
            + "(not with --generate, where each engine runs a whole generation at a time).")
    java.util.Map<String, String> ortOptions = new java.util.LinkedHashMap<>();

    @Option(names = "--pause", defaultValue = "0", description = "Milliseconds of idle time before each run when engines are "
            + "interleaved (default ${DEFAULT-VALUE}: back to back). ONNX Runtime is told to stop its workers' spinning at the end "
            + "of each run (session.force_spinning_stop=1; --ort-option session.force_spinning_stop=0 restores its default), "
            + "so neither engine's idle threads take cores from the other's run.")
    int pauseMs;

    @Option(names = "--profile", description = "Time every Petrel node during the timed runs and print the time per operator type.")
    boolean profile;

    @Option(names = "--report", description = "Write the latency distributions and the summary to FILE.html or FILE.png.")
    Path report;

    @Option(names = "--generate", description = "Benchmark text generation instead: a GPT-2 Hugging Face folder named by --model "
            + "(defaults in this mode: --warmup 1, --iterations 3).")
    boolean generate;

    @Option(names = "--model", paramLabel = "FOLDER", description = "With --generate: the GPT-2 Hugging Face folder (config.json, "
            + "model.safetensors), e.g. one written by bench/scripts/make_gpt2_small.py.")
    Path generateModel;

    @Option(names = "--prompt-tokens", defaultValue = "128", description = "With --generate: prompt length in tokens (default ${DEFAULT-VALUE}).")
    int promptTokens;

    @Option(names = "--new-tokens", defaultValue = "128", description = "With --generate: tokens generated per run, the first by "
            + "the prefill (default ${DEFAULT-VALUE}).")
    int newTokens;

    @Option(names = "--weights", paramLabel = "FORMAT", defaultValue = "fp32", converter = GenerateCommand.WeightsConverter.class,
            description = "With --generate: Petrel's weights, fp32 (default), q8 or q4 (quantized at load).")
    dev.petrel.llm.WeightFormat weights;

    @Option(names = "--onnx", paramLabel = "FILE", description = "With --generate --compare ort: the ONNX export with past key/values "
            + "(default: model.onnx, decoder_model_merged.onnx or decoder_with_past_model.onnx in the model folder or its onnx/).")
    Path onnx;

    @Override
    public Integer call() throws Exception {
        if (generate) return generate();
        validate();
        System.setProperty("java.awt.headless", "true");
        PrintWriter out = spec.commandLine().getOut();
        try {
            new Run(resolveModel(model), out).execute();
        } finally {
            out.flush();
        }
        return 0;
    }

    private boolean given(String option) {
        return spec.commandLine().getParseResult().hasMatchedOption(option);
    }

    private Integer generate() throws Exception {
        if (spec.commandLine().getParseResult().hasMatchedPositional(0)) {
            throw bad("with --generate name the model folder with --model, not as an argument (got '" + model + "')");
        }
        for (String option : new String[] {"--seq", "--batch", "--pause", "--profile", "--report"}) {
            if (given(option)) throw bad(option + " is not supported with --generate");
        }
        if (generateModel == null) throw bad("--generate needs --model FOLDER (a GPT-2 Hugging Face folder)");
        if (!Files.isDirectory(generateModel)) throw bad("--model must be a folder (config.json, model.safetensors), got " + generateModel);
        if (promptTokens < 1) throw bad("--prompt-tokens must be at least 1, got " + promptTokens);
        if (newTokens < 2) throw bad("--new-tokens must be at least 2 (the first comes from the prefill), got " + newTokens);
        if (threads < 1) throw bad("--threads must be at least 1, got " + threads);
        int w = given("--warmup") ? warmup : 1;
        int n = given("--iterations") ? iterations : 3;
        if (w < 0) throw bad("--warmup must be 0 or more, got " + w);
        if (n < 1) throw bad("--iterations must be at least 1, got " + n);
        boolean ort = compare != null;
        if (ort && !compare.equalsIgnoreCase("ort") && !compare.equalsIgnoreCase("onnxruntime")) {
            throw bad("--compare supports only 'ort' (ONNX Runtime Java), got '" + compare + "'");
        }
        if (onnx != null && !ort) throw bad("--onnx is for --compare ort");
        if (onnx != null && !Files.isRegularFile(onnx)) throw bad("no such ONNX file: " + onnx);
        PrintWriter out = spec.commandLine().getOut();
        try {
            new GenerateBench(new GenerateBench.Settings(generateModel, onnx, promptTokens, newTokens, threads, w, n, ort, ortOptions, weights), out).run();
        } finally {
            out.flush();
        }
        return 0;
    }

    private void validate() {
        for (String option : new String[] {"--model", "--prompt-tokens", "--new-tokens", "--onnx"}) {
            if (given(option)) throw bad(option + " is for --generate (give an ONNX model as the argument otherwise)");
        }
        if (seq < 1) throw bad("--seq must be at least 1, got " + seq);
        if (batch < 1) throw bad("--batch must be at least 1, got " + batch);
        if (threads < 1) throw bad("--threads must be at least 1, got " + threads);
        if (warmup < 0) throw bad("--warmup must be 0 or more, got " + warmup);
        if (pauseMs < 0) throw bad("--pause must be 0 or more, got " + pauseMs);
        if (iterations < 1) throw bad("--iterations must be at least 1, got " + iterations);
        if (compare != null && !compare.equalsIgnoreCase("ort") && !compare.equalsIgnoreCase("onnxruntime")) {
            throw bad("--compare supports only 'ort' (ONNX Runtime Java), got '" + compare + "'");
        }
        if (report != null) {
            String n = report.getFileName().toString().toLowerCase(Locale.ROOT);
            if (!n.endsWith(".html") && !n.endsWith(".htm") && !n.endsWith(".png")) {
                throw bad("--report must name a .html or .png file, got " + report);
            }
        }
    }

    private ParameterException bad(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    /** minilm / minilm-int8 name the embedded models; anything else is a file. */
    Path resolveModel(String name) {
        switch (name.toLowerCase(Locale.ROOT)) {
            case "minilm":
                return EmbeddedModels.file(EmbeddedModels.MINILM);
            case "minilm-int8":
            case "minilm-q":
                return EmbeddedModels.file(EmbeddedModels.MINILM_Q);
            default:
                Path p = Path.of(name);
                if (!Files.isRegularFile(p)) {
                    throw bad("no such model file: " + name + " (or use minilm / minilm-int8 for the embedded models)");
                }
                return p;
        }
    }

    /** One benchmark run: the state shared by its phases. */
    private final class Run {
        final Path file;
        final PrintWriter out;
        final List<BenchEngine> engines = new ArrayList<>();
        final List<long[]> samples = new ArrayList<>();
        final List<long[]> phases = new ArrayList<>(); // init, load, session, first, rss growth
        long tokensPerRun;

        Run(Path file, PrintWriter out) {
            this.file = file;
            this.out = out;
        }

        void execute() throws Exception {
            PetrelBenchEngine petrel = new PetrelBenchEngine(profile);
            engines.add(petrel);
            if (compare != null) {
                // ONNX Runtime's idle workers spin about 16 ms after each run by default: interleaved, they
                // would take a core from Petrel's next run. Stopping the spin at the end of a run keeps
                // ONNX Runtime's spinning inside its own runs (its latency is unchanged or better).
                java.util.Map<String, String> ort = new java.util.LinkedHashMap<>();
                ort.put("session.force_spinning_stop", "1");
                ort.putAll(ortOptions);
                engines.add(new OrtBenchEngine(ort));
            }
            try {
                header();
                List<InputSynthesizer.Input> inputs = null;
                for (BenchEngine e : engines) {
                    long rss0 = ProcessMemory.rss();
                    long init = e.init();
                    long load = e.load(file);
                    long session = e.createSession(threads);
                    if (inputs == null) {
                        inputs = new InputSynthesizer(batch, seq, SEED).synthesize(petrel.model().graph());
                        tokensPerRun = InputSynthesizer.tokensPerRun(inputs);
                        for (InputSynthesizer.Input in : inputs) out.println("input   " + in.name() + " " + in.description());
                    }
                    e.prepare(InputSynthesizer.asMap(inputs));
                    long first = e.run(true);
                    long rss1 = ProcessMemory.rss();
                    phases.add(new long[] {init, load, session, first, rss0 < 0 || rss1 < 0 ? -1 : rss1 - rss0});
                    out.printf(Locale.ROOT, "%-12s %s%n", e.name(), e.details());
                    out.printf(Locale.ROOT, "%-12s ready: init %.1f ms, load %.1f ms, session %.1f ms, first run %.1f ms, RSS +%s%n",
                            e.name(), ms(init), ms(load), ms(session), ms(first), mb(rss1 - rss0, rss0 >= 0 && rss1 >= 0));
                }
                if (engines.size() > 1) checkAgreement();
                loop("warm-up", warmup, false);
                petrel.resetProfile();
                loop("timed  ", iterations, true);
                if (profile) printProfile(petrel.profile());
                summarize(petrel);
            } finally {
                for (BenchEngine e : engines) e.close();
            }
        }

        void header() {
            out.printf(Locale.ROOT, "model   %s (%.1f MB)%n", file, sizeOf(file) / 1e6);
            out.printf(Locale.ROOT, "setup   batch %d, seq %d, threads %d, warm-up %d, timed runs %d%s%n", batch, seq, threads,
                    warmup, iterations, engines.size() > 1 ? ", engines interleaved run by run" + (pauseMs > 0 ? ", " + pauseMs + " ms idle before each run" : "") : "");
            out.printf(Locale.ROOT, "java    %s %s on %d cores%n", System.getProperty("java.vm.name"),
                    Runtime.version(), Runtime.getRuntime().availableProcessors());
        }

        void printProfile(Map<String, long[]> byOp) {
            long total = 0;
            for (long[] v : byOp.values()) total += v[0];
            out.printf(Locale.ROOT, "profile (Petrel, per timed run)%n  %-32s %10s %7s %6s%n", "operator", "ms", "share", "nodes");
            for (Map.Entry<String, long[]> e : byOp.entrySet()) {
                long[] v = e.getValue();
                out.printf(Locale.ROOT, "  %-32s %10.3f %6.1f%% %6d%n", e.getKey(), v[0] / 1e6 / iterations,
                        total == 0 ? 0 : 100.0 * v[0] / total, v[1] / Math.max(1, iterations));
            }
        }

        void checkAgreement() {
            Map<String, double[]> a = engines.get(0).outputs();
            Map<String, double[]> b = engines.get(1).outputs();
            boolean bad = false;
            for (Map.Entry<String, double[]> e : a.entrySet()) {
                double[] other = b.get(e.getKey());
                if (other == null) {
                    out.println("outputs " + e.getKey() + ": missing from " + engines.get(1).name());
                    bad = true;
                    continue;
                }
                if (other.length != e.getValue().length) {
                    out.println("outputs " + e.getKey() + ": " + e.getValue().length + " values vs " + other.length);
                    bad = true;
                    continue;
                }
                double diff = maxAbsDiff(e.getValue(), other);
                boolean ok = diff <= AGREEMENT;
                bad |= !ok;
                out.printf(Locale.ROOT, "outputs %s: max |petrel - %s| = %.3g%s%n", e.getKey(), engines.get(1).name(), diff,
                        ok ? "" : "   WARNING: above " + AGREEMENT);
            }
            if (bad) {
                out.println("WARNING: the engines' outputs disagree; the latency comparison below may compare different work.");
            }
        }

        void loop(String label, int count, boolean timed) throws Exception {
            if (count == 0) return;
            ProgressBar bar = ProgressBar.onTerminal(label, count);
            for (int i = 0; i < engines.size() && timed; i++) samples.add(new long[count]);
            bar.update(0);
            for (int r = 0; r < count; r++) {
                for (int e = 0; e < engines.size(); e++) {
                    if (engines.size() > 1 && pauseMs > 0) Thread.sleep(pauseMs);
                    long t = engines.get(e).run(false);
                    if (timed) samples.get(e)[r] = t;
                }
                bar.update(r + 1);
            }
            bar.finish();
            out.flush();
        }

        void summarize(PetrelBenchEngine petrel) {
            List<BenchResult> results = new ArrayList<>();
            for (int e = 0; e < engines.size(); e++) {
                long[] p = phases.get(e);
                results.add(new BenchResult(engines.get(e).name(), p[0], p[1], p[2], p[3], p[4], tokensPerRun,
                        new LatencyStats(samples.get(e))));
            }
            List<String[]> table = BenchSummary.table(results);
            out.println();
            for (String line : BenchSummary.format(table)) out.println(line);
            long peak = ProcessMemory.peakRss();
            out.printf(Locale.ROOT, "peak RSS of the process %s (both engines together when compared); petrel activation arena %s%n",
                    mb(peak, peak >= 0), mb(petrel.plannedBytes(), true));
            if (report != null) {
                List<String> sub = List.of(
                        "model " + file.getFileName() + ", batch " + batch + ", seq " + seq + ", threads " + threads
                                + ", " + warmup + " warm-up and " + iterations + " timed runs"
                                + (engines.size() > 1 ? ", engines interleaved run by run" : ""),
                        "Java " + Runtime.version() + ", " + Runtime.getRuntime().availableProcessors() + " cores; "
                                + engines.get(0).details() + (engines.size() > 1 ? "; " + engines.get(1).details() : ""));
                new LatencyReport("petrel bench: " + file.getFileName(), sub, results, table).write(report);
                out.println("report  " + report.toAbsolutePath());
            }
            out.println(BenchSummary.lastLine(results));
        }
    }

    static double maxAbsDiff(double[] a, double[] b) {
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            double d = Math.abs(a[i] - b[i]);
            if (Double.isNaN(d)) return Double.NaN;
            worst = Math.max(worst, d);
        }
        return worst;
    }

    static double ms(long nanos) {
        return nanos / 1e6;
    }

    static String mb(long bytes, boolean known) {
        return known ? String.format(Locale.ROOT, "%.1f MB", bytes / 1048576.0) : "n/a";
    }

    private static long sizeOf(Path p) {
        try {
            return Files.size(p);
        } catch (java.io.IOException e) {
            return 0;
        }
    }
}
