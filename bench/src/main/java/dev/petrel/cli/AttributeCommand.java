package dev.petrel.cli;

import dev.petrel.PetrelException;
import dev.petrel.llm.DecoderOptions;
import dev.petrel.llm.Gpt2Decoder;
import dev.petrel.llm.Gpt2Model;
import dev.petrel.llm.LogitAttribution;
import dev.petrel.tokenizer.ByteLevelBpeTokenizer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code petrel attribute --model DIR --prompt TEXT --token " Paris"}: direct logit attribution of one
 * token's logit at one position of the prompt, split over the writers of the residual stream (embedding,
 * each attention layer and MLP, ln_f's bias); see {@link LogitAttribution}. Exact for LN-free models,
 * the frozen-scale approximation otherwise.
 */
@Command(name = "attribute", mixinStandardHelpOptions = true,
        description = {"Direct logit attribution: how much the embedding, each attention layer and each MLP add to one token's "
                + "logit after a prompt position, through ln_f and the unembedding.",
                "Exact for LN-free GPT-2 (ln_f is affine); for a LayerNorm model ln_f's scale is frozen at its value at that position."})
final class AttributeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Hugging Face GPT-2 folder (config.json + model.safetensors).")
    Path model;

    @Option(names = "--prompt", paramLabel = "TEXT", description = "Prompt text (needs the model's tokenizer).")
    String prompt;

    @Option(names = "--prompt-ids", split = ",", paramLabel = "ID", description = "Prompt as comma-separated token ids.")
    List<Integer> promptIds;

    @Option(names = "--token", paramLabel = "TEXT", description = "The token whose logit is explained, as text that encodes to exactly one token, e.g. \" Paris\".")
    String token;

    @Option(names = "--token-id", paramLabel = "ID", description = "The token as an id (instead of --token). Default: the model's top prediction.")
    Integer tokenId;

    @Option(names = "--position", paramLabel = "P", description = "Prompt position whose next-token logit is explained, 0-based; negative counts "
            + "from the end (default -1: the last token).")
    Integer position;

    @Option(names = "--chart", paramLabel = "FILE", description = "Also write a bar chart of the contributions to FILE.html or FILE.png.")
    Path chart;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        try {
            return run(out);
        } catch (GenerateCommand.BadInput e) {
            err.println("petrel attribute: " + e.getMessage());
            return 2;
        } catch (IOException | UncheckedIOException | PetrelException | IllegalArgumentException | IllegalStateException e) {
            err.println("petrel attribute: " + GenerateCommand.message(e));
            return 2;
        } finally {
            out.flush();
            err.flush();
        }
    }

    private int run(PrintWriter out) throws IOException {
        if (prompt != null && promptIds != null) throw new GenerateCommand.BadInput("give --prompt or --prompt-ids, not both");
        if (prompt == null && promptIds == null) throw new GenerateCommand.BadInput("give a prompt: --prompt TEXT or --prompt-ids 1,2,3");
        if (token != null && tokenId != null) throw new GenerateCommand.BadInput("give --token or --token-id, not both");
        if (chart != null) {
            String n = chart.getFileName().toString().toLowerCase(Locale.ROOT);
            if (!n.endsWith(".html") && !n.endsWith(".htm") && !n.endsWith(".png")) {
                throw new GenerateCommand.BadInput("--chart must name a .html or .png file, got " + chart);
            }
        }
        if (!Files.exists(model)) throw new GenerateCommand.BadInput("no such model: " + model);
        if (!GenerateCommand.CausalLm.isHuggingFaceFolder(model)) {
            throw new GenerateCommand.BadInput(model + " is not a Hugging Face GPT-2 folder (config.json + model.safetensors); "
                    + "attribution reads the residual stream of engine/llm's decoder, which ONNX exports do not expose");
        }
        Gpt2Model m = Gpt2Model.load(model, DecoderOptions.defaults());
        ByteLevelBpeTokenizer tok = m.tokenizer();
        int[] ids;
        if (promptIds != null) {
            ids = new int[promptIds.size()];
            for (int i = 0; i < ids.length; i++) ids[i] = promptIds.get(i);
        } else {
            if (tok == null) throw new GenerateCommand.BadInput(model + " has no tokenizer: give --prompt-ids instead of --prompt");
            ids = tok.encode(prompt);
        }
        if (ids.length == 0) throw new GenerateCommand.BadInput("the prompt has no tokens");
        int vocab = m.config().vocabSize;
        for (int id : ids) {
            if (id < 0 || id >= vocab) throw new GenerateCommand.BadInput("prompt token id " + id + " is outside the vocabulary [0, " + vocab + ")");
        }
        int p = position == null ? ids.length - 1 : position < 0 ? ids.length + position : position;
        if (p < 0 || p >= ids.length) {
            throw new GenerateCommand.BadInput("--position " + position + " is outside the prompt's " + ids.length + " tokens (0.."
                    + (ids.length - 1) + ", or -1..-" + ids.length + " from the end)");
        }
        int target = resolveToken(m, tok, ids, p);

        LogitAttribution a = m.attribute(ids, p, target);
        String targetText = tok == null ? "#" + target : quote(tok.decode(new int[] {target})) + " (id " + target + ")";
        String at = tok == null ? "id " + ids[p] : quote(tok.decode(new int[] {ids[p]}));
        out.printf(Locale.ROOT, "model     %s: %s%n", model, m.config());
        out.printf(Locale.ROOT, "prompt    %d tokens; position %d (%s)%n", ids.length, p, at);
        out.printf(Locale.ROOT, "token     %s%n", targetText);
        out.printf(Locale.ROOT, "ln_f      %s%n", a.isExact() ? "affine (LN-free model): the decomposition is exact"
                : String.format(Locale.ROOT, "LayerNorm, scale frozen at s = %.6g (frozen-scale approximation)", a.frozenScale()));
        out.println();
        double totalAbs = 0;
        double[] c = a.contributions();
        for (double v : c) totalAbs += Math.abs(v);
        out.printf(Locale.ROOT, "%-12s %14s %9s%n", "component", "contribution", "share");
        for (int i = 0; i < c.length; i++) {
            out.printf(Locale.ROOT, "%-12s %+14.6f %8.1f%%%n", a.names().get(i), c[i], totalAbs == 0 ? 0 : 100 * c[i] / totalAbs);
        }
        out.printf(Locale.ROOT, "%-12s %+14.6f%n", "sum", a.sum());
        out.printf(Locale.ROOT, "%-12s %+14.6f%n", "logit", a.logit());
        out.printf(Locale.ROOT, "residual     %.3e (%s)%n", a.residual(), a.isExact() ? "exact: rounding only" : "frozen-scale approximation");
        out.println("share = contribution / sum of |contributions|");
        if (chart != null) {
            String title = "Direct logit attribution of " + targetText + " after position " + p + " (" + at + ")";
            List<String> notes = new ArrayList<>();
            notes.add(model.getFileName() + ", " + ids.length + " prompt tokens");
            notes.add(String.format(Locale.ROOT, "logit %.6f, sum %.6f, residual %.3e, %s", a.logit(), a.sum(), a.residual(),
                    a.isExact() ? "exact (LN-free)" : String.format(Locale.ROOT, "frozen-scale approximation (s = %.4g)", a.frozenScale())));
            new AttributionChart(title, notes, a.names(), c).write(chart);
            out.println("chart     " + chart);
        }
        return 0;
    }

    /** --token-id, --token (exactly one token), or the model's top prediction at position p. */
    private int resolveToken(Gpt2Model m, ByteLevelBpeTokenizer tok, int[] ids, int p) {
        int vocab = m.config().vocabSize;
        if (tokenId != null) {
            if (tokenId < 0 || tokenId >= vocab) throw new GenerateCommand.BadInput("--token-id " + tokenId + " is outside the vocabulary [0, " + vocab + ")");
            return tokenId;
        }
        if (token != null) {
            if (tok == null) throw new GenerateCommand.BadInput(model + " has no tokenizer: give --token-id instead of --token");
            int[] t = tok.encode(token);
            if (t.length != 1) {
                StringBuilder sb = new StringBuilder();
                for (int i = 0; i < t.length; i++) {
                    sb.append(i == 0 ? "" : ", ").append(quote(tok.decode(new int[] {t[i]}))).append(" (").append(t[i]).append(')');
                }
                throw new GenerateCommand.BadInput("--token " + quote(token) + " encodes to " + t.length + " tokens [" + sb
                        + "], not one; give a single token or --token-id");
            }
            return t[0];
        }
        try (Gpt2Decoder d = m.newDecoder()) {
            FloatBuffer logits = d.prefill(java.util.Arrays.copyOf(ids, p + 1));
            int best = 0;
            for (int v = 1; v < vocab; v++) if (logits.get(v) > logits.get(best)) best = v;
            return best;
        }
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char ch : s.toCharArray()) {
            switch (ch) {
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> b.append(ch);
            }
        }
        return b.append('"').toString();
    }
}
