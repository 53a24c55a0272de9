package dev.petrel.cli;

import dev.petrel.llm.Gpt2Config;
import dev.petrel.llm.WeightFormat;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * {@code petrel bench --generate --model FOLDER}: greedy text generation with a GPT-2 model, Petrel's
 * decoder on the Hugging Face folder, optionally against ONNX Runtime Java on an ONNX export of the same
 * model with past key/values. Each generation prefills a synthetic prompt (fixed-seed token ids) and
 * decodes the new tokens one by one; the engines take turns generation by generation, so the drift of a
 * shared machine hits both alike. Reports load time, time to first token, prefill and decode tokens per
 * second, per-token latency percentiles and resident memory; checks that both engines pick the same
 * tokens; ends with a machine-readable line.
 */
final class GenerateBench {
    static final long SEED = 42;
    /** ONNX files looked for in the model folder when --onnx is not given, in this order. */
    static final List<String> ONNX_NAMES = List.of("model.onnx", "decoder_model_merged.onnx", "decoder_with_past_model.onnx",
            "onnx/model.onnx", "onnx/decoder_model_merged.onnx", "onnx/decoder_with_past_model.onnx");

    record Settings(Path model, Path onnx, int promptTokens, int newTokens, int threads, int warmup, int iterations,
                    boolean compare, Map<String, String> ortOptions, WeightFormat weights) {
        Settings(Path model, Path onnx, int promptTokens, int newTokens, int threads, int warmup, int iterations, boolean compare,
                 Map<String, String> ortOptions) {
            this(model, onnx, promptTokens, newTokens, threads, warmup, iterations, compare, ortOptions, WeightFormat.FP32);
        }
    }

    private final Settings s;
    private final PrintWriter out;

    GenerateBench(Settings settings, PrintWriter out) {
        this.s = settings;
        this.out = out;
    }

    /** The ONNX file of --compare ort: the one given, else the first of {@link #ONNX_NAMES} in the folder. */
    static Path onnxFile(Path folder, Path given) {
        if (given != null) {
            if (!Files.isRegularFile(given)) throw new IllegalArgumentException("no such ONNX file: " + given);
            return given;
        }
        for (String name : ONNX_NAMES) {
            Path p = folder.resolve(name);
            if (Files.isRegularFile(p)) return p;
        }
        throw new IllegalArgumentException("--compare ort needs an ONNX export with past key/values: none of " + ONNX_NAMES
                + " is in " + folder + "; name one with --onnx FILE (bench/scripts/make_gpt2_small.py writes model.onnx)");
    }

    /** {@code n} token ids drawn uniformly from [0, vocab) with a fixed seed. */
    static int[] prompt(int n, int vocab) {
        SplittableRandom r = new SplittableRandom(SEED);
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) ids[i] = r.nextInt(vocab);
        return ids;
    }

    /** Per engine: load, the first (cold) generation, RSS growth over both, and the timed generations. */
    private static final class Measured {
        final GenerateEngine engine;
        long loadNanos;
        long rssGrowth = -1;
        GenerateRun first;
        float[] promptLogits;
        final List<GenerateRun> timed = new ArrayList<>();

        Measured(GenerateEngine engine) {
            this.engine = engine;
        }
    }

    void run() throws Exception {
        List<Measured> engines = new ArrayList<>();
        PetrelGenerateEngine petrel = new PetrelGenerateEngine(s.model(), s.weights());
        engines.add(new Measured(petrel));
        try {
            Path onnx = s.compare() ? onnxFile(s.model(), s.onnx()) : null;
            out.printf(Locale.ROOT, "model   %s%n", s.model());
            Measured p = engines.get(0);
            long rss0 = ProcessMemory.rss();
            p.loadNanos = petrel.load(s.threads());
            Gpt2Config c = petrel.config();
            out.printf(Locale.ROOT, "config  %d layers, width %d, %d heads, %d positions, vocabulary %d%n", c.layers, c.embeddingSize,
                    c.heads, c.positions, c.vocabSize);
            if (s.promptTokens() + s.newTokens() - 1 > c.positions) {
                throw new IllegalArgumentException("--prompt-tokens " + s.promptTokens() + " and --new-tokens " + s.newTokens()
                        + " need " + (s.promptTokens() + s.newTokens() - 1) + " positions; the model has " + c.positions);
            }
            int[] prompt = prompt(s.promptTokens(), c.vocabSize);
            out.printf(Locale.ROOT, "setup   prompt of %d token ids (uniform in [0, %d), seed %d), %d new tokens greedy: the first from "
                            + "the prefill, then %d decode steps; threads %d, warm-up %d, timed %d%s%n",
                    s.promptTokens(), c.vocabSize, SEED, s.newTokens(), s.newTokens() - 1, s.threads(), s.warmup(), s.iterations(),
                    s.compare() ? ", engines take turns generation by generation" : "");
            out.printf(Locale.ROOT, "java    %s %s on %d cores%n", System.getProperty("java.vm.name"), Runtime.version(),
                    Runtime.getRuntime().availableProcessors());
            firstRun(p, prompt, rss0, c.vocabSize);
            if (s.compare()) {
                Measured o = new Measured(new OrtGenerateEngine(onnx, s.ortOptions(), s.promptTokens(), s.newTokens(),
                        c.heads, c.headSize(), c.vocabSize));
                engines.add(o);
                rss0 = ProcessMemory.rss();
                o.loadNanos = o.engine.load(s.threads());
                firstRun(o, prompt, rss0, c.vocabSize);
                agreement(p, o);
            }
            loop(engines, prompt, "warm-up", s.warmup(), false);
            loop(engines, prompt, "timed  ", s.iterations(), true);
            summarize(engines);
        } finally {
            for (Measured m : engines) m.engine.close();
        }
    }

    private void firstRun(Measured m, int[] prompt, long rss0, int vocab) throws Exception {
        m.first = new GenerateRun(s.newTokens());
        m.promptLogits = new float[vocab];
        m.engine.generate(prompt, m.first, m.promptLogits);
        long rss1 = ProcessMemory.rss();
        m.rssGrowth = rss0 < 0 || rss1 < 0 ? -1 : rss1 - rss0;
        out.printf(Locale.ROOT, "%-12s %s%n", m.engine.name(), m.engine.details());
        out.printf(Locale.ROOT, "%-12s ready: load %.1f ms; first generation: time to first token %.1f ms, decode %.2f tokens/s; RSS +%s%n",
                m.engine.name(), ms(m.loadNanos), ms(m.first.firstTokenNanos), m.first.decodeTokensPerSecond(),
                BenchCommand.mb(m.rssGrowth, m.rssGrowth != -1));
        out.flush();
    }

    private void agreement(Measured p, Measured o) {
        int[] a = p.first.tokens, b = o.first.tokens;
        int diverge = -1;
        for (int i = 0; i < a.length && diverge < 0; i++) if (a[i] != b[i]) diverge = i;
        double worst = 0;
        for (int i = 0; i < p.promptLogits.length; i++) worst = Math.max(worst, Math.abs((double) p.promptLogits[i] - o.promptLogits[i]));
        out.printf(Locale.ROOT, "logits  after the prompt: max |petrel - %s| = %.3g%n", o.engine.name(), worst);
        if (diverge < 0) {
            out.printf(Locale.ROOT, "agreement true: the same %d greedy tokens (%s)%n", a.length, head(a));
        } else {
            out.printf(Locale.ROOT, "agreement false: the greedy tokens differ from new token %d on (petrel %d, %s %d); the decode "
                            + "comparison below is still the same amount of work%n", diverge, a[diverge], o.engine.name(), b[diverge]);
        }
    }

    private static String head(int[] tokens) {
        int n = Math.min(8, tokens.length);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) b.append(i == 0 ? "" : " ").append(tokens[i]);
        return b.append(tokens.length > n ? " ..." : "").toString();
    }

    private void loop(List<Measured> engines, int[] prompt, String label, int count, boolean timed) throws Exception {
        if (count == 0) return;
        ProgressBar bar = ProgressBar.onTerminal(label, count * engines.size());
        bar.update(0);
        int done = 0;
        for (int r = 0; r < count; r++) {
            for (Measured m : engines) {
                GenerateRun run = new GenerateRun(s.newTokens());
                m.engine.generate(prompt, run, null);
                if (timed) m.timed.add(run);
                if (!Arrays.equals(run.tokens, m.first.tokens)) {
                    bar.finish();
                    out.printf(Locale.ROOT, "WARNING: %s picked other tokens than in its first generation (not deterministic)%n",
                            m.engine.name());
                }
                bar.update(++done);
            }
        }
        bar.finish();
        if (timed) {
            for (int r = 0; r < count; r++) {
                for (Measured m : engines) {
                    GenerateRun run = m.timed.get(r);
                    out.printf(Locale.ROOT, "run %-3d %-12s time to first token %9.1f ms, prefill %8.1f tokens/s, decode %7.2f tokens/s%n",
                            r + 1, m.engine.name(), ms(run.firstTokenNanos), run.prefillTokensPerSecond(s.promptTokens()),
                            run.decodeTokensPerSecond());
                }
            }
        }
        out.flush();
    }

    /** The figures of one engine over its timed generations. */
    record Figures(double loadMs, double firstTokenMs, double prefillTps, double decodeTps, double bestDecodeTps, double stepP50Ms,
                   double stepP90Ms, long rssGrowth) {
        static Figures of(Measured m, int promptTokens) {
            int n = m.timed.size();
            long[] ttft = new long[n], prefill = new long[n];
            int steps = m.timed.get(0).stepNanos.length;
            long[] all = new long[n * steps];
            long decode = 0;
            double best = Double.NaN;
            for (int i = 0; i < n; i++) {
                GenerateRun r = m.timed.get(i);
                if (!(r.decodeTokensPerSecond() <= best)) best = r.decodeTokensPerSecond();
                ttft[i] = r.firstTokenNanos;
                prefill[i] = r.prefillNanos;
                System.arraycopy(r.stepNanos, 0, all, i * steps, steps);
                decode += r.decodeNanos();
            }
            double prefillP50 = new LatencyStats(prefill).p50();
            LatencyStats step = all.length == 0 ? null : new LatencyStats(all);
            return new Figures(ms(m.loadNanos), ms(new LatencyStats(ttft).p50()), promptTokens * 1e9 / prefillP50,
                    step == null ? Double.NaN : all.length * 1e9 / decode, best,
                    step == null ? Double.NaN : ms(step.p50()), step == null ? Double.NaN : ms(step.p90()), m.rssGrowth);
        }
    }

    private void summarize(List<Measured> engines) {
        List<Figures> f = new ArrayList<>();
        for (Measured m : engines) f.add(Figures.of(m, s.promptTokens()));
        boolean pair = f.size() > 1;
        List<String[]> rows = new ArrayList<>();
        List<String> head = new ArrayList<>(List.of(""));
        for (Measured m : engines) head.add(m.engine.name());
        if (pair) head.add("petrel/ort");
        rows.add(head.toArray(String[]::new));
        row(rows, f, "load (ms)", Figures::loadMs, 1);
        row(rows, f, "time to first token p50 (ms)", Figures::firstTokenMs, 1);
        row(rows, f, "prefill (tokens/s, p50)", Figures::prefillTps, 1);
        row(rows, f, "decode (tokens/s, mean)", Figures::decodeTps, 2);
        row(rows, f, "decode (tokens/s, best run)", Figures::bestDecodeTps, 2);
        row(rows, f, "decode per token p50 (ms)", Figures::stepP50Ms, 2);
        row(rows, f, "decode per token p90 (ms)", Figures::stepP90Ms, 2);
        row(rows, f, "RSS growth: load + first generation (MB)", x -> x.rssGrowth() == -1 ? Double.NaN : x.rssGrowth() / 1048576.0, 1);
        out.println();
        for (String line : BenchSummary.format(rows)) out.println(line);
        if (pair) {
            out.println("ratios are petrel/ort: for tokens/s above 1 means Petrel is faster; for times and memory below 1 means "
                    + "Petrel is faster or smaller");
        }
        long peak = ProcessMemory.peakRss();
        out.printf(Locale.ROOT, "peak RSS of the process %s%s; Petrel kernels: DecoderMath provider '%s'%n", BenchCommand.mb(peak, peak >= 0),
                pair ? " (both engines together)" : "", ((PetrelGenerateEngine) engines.get(0).engine).provider());
        out.println(lastLine(f));
    }

    private interface Value {
        double of(Figures f);
    }

    private static void row(List<String[]> rows, List<Figures> f, String label, Value v, int decimals) {
        List<String> r = new ArrayList<>();
        r.add(label);
        for (Figures x : f) r.add(Double.isNaN(v.of(x)) ? "n/a" : BenchSummary.fixed(v.of(x), decimals));
        if (f.size() > 1) r.add(ratio(v.of(f.get(0)), v.of(f.get(1))));
        rows.add(r.toArray(String[]::new));
    }

    /**
     * {@code ratio decode_tps 1.12 prefill_tps 0.90 ttft 1.10 decode_p50 0.89 load 0.05 rss 0.50} with a
     * second engine (Petrel divided by ONNX Runtime: tokens/s above 1 is faster, times and memory below
     * 1 are faster or smaller), else Petrel's own figures.
     */
    static String lastLine(List<Figures> f) {
        Figures p = f.get(0);
        if (f.size() > 1) {
            Figures o = f.get(1);
            return "ratio decode_tps " + ratio(p.decodeTps(), o.decodeTps())
                    + " prefill_tps " + ratio(p.prefillTps(), o.prefillTps())
                    + " ttft " + ratio(p.firstTokenMs(), o.firstTokenMs())
                    + " decode_p50 " + ratio(p.stepP50Ms(), o.stepP50Ms())
                    + " load " + ratio(p.loadMs(), o.loadMs())
                    + " rss " + ratio(p.rssGrowth(), o.rssGrowth());
        }
        return "decode_tps " + num(p.decodeTps(), 2) + " prefill_tps " + num(p.prefillTps(), 1) + " ttft_ms " + num(p.firstTokenMs(), 2)
                + " decode_p50_ms " + num(p.stepP50Ms(), 3) + " decode_p90_ms " + num(p.stepP90Ms(), 3) + " load_ms " + num(p.loadMs(), 1)
                + " rss_mb " + (p.rssGrowth() == -1 ? "nan" : num(p.rssGrowth() / 1048576.0, 1));
    }

    /** a / b with two decimals; "nan" when either is unknown or b is not positive. */
    static String ratio(double a, double b) {
        return Double.isNaN(a) || Double.isNaN(b) ? "nan" : BenchSummary.ratio(a, b);
    }

    private static String num(double v, int decimals) {
        return Double.isNaN(v) ? "nan" : BenchSummary.fixed(v, decimals);
    }

    private static double ms(double nanos) {
        return nanos / 1e6;
    }
}
