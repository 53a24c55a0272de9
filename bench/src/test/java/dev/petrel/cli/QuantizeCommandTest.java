package dev.petrel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.petrel.Model;
import dev.petrel.graph.Graph;
import dev.petrel.graph.Node;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class QuantizeCommandTest {
    static final Path MERGED = Path.of("..", "engine", "llm", "src", "test", "resources", "gpt2", "onnx", "gpt2-tiny-merged-opset17.onnx");

    @TempDir
    Path dir;

    private String run(int expectedExit, String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        int code;
        try {
            System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
            CommandLine cli = new CommandLine(new PetrelCli());
            cli.setErr(new PrintWriter(err));
            code = cli.execute(args);
        } finally {
            System.setOut(old);
        }
        String out = buf.toString(StandardCharsets.UTF_8) + err;
        assertThat(code).as(out).isEqualTo(expectedExit);
        return out;
    }

    @Test
    void quantizesTheMergedGpt2InsideItsIfBranchesAndChecksIt() {
        Path out = dir.resolve("q4.onnx");
        String text = run(0, "quantize", MERGED.toString(), "--to", "q4", "--block", "16", "--out", out.toString());
        assertThat(text).contains("weights    9 MatMul/Gemm weights: {q4/b16=9}")
                .contains("wte.weight: quantized copy for the MatMul reading it through a Transpose")
                .containsPattern("size       0\\.\\d MiB -> 0\\.\\d MiB")
                // 4-bit codes, an fp32 scale per 16 weights, a 4-bit zero point per 16 weights.
                .contains("bits       6.250 bits per quantized weight")
                .containsPattern("logits +max \\|diff\\| [0-9.e-]+, cosine 0\\.99");
        Graph g = Model.readGraph(out);
        assertThat(g.opsets()).containsEntry("com.microsoft", 1);
        Node branch = g.nodes().stream().filter(n -> n.opType().equals("If")).findFirst().orElseThrow();
        Graph then = branch.attributes().getGraph("then_branch");
        assertThat(then.nodes()).extracting(Node::opType).contains("MatMulNBits");
        // The lm_head's Transpose of the tied table is gone; only the embedding Gather reads the fp32 table.
        assertThat(then.nodes()).filteredOn(n -> n.inputs().contains("transformer.wte.weight")).extracting(Node::opType)
                .containsExactly("Gather");
    }

    @Test
    void int8PerChannelWithEmbeddingsAndMinSize() throws Exception {
        Path out = dir.resolve("int8.onnx");
        String text = run(0, "quantize", MERGED.toString(), "--to", "int8", "--per-channel", "--embeddings",
                "--min-size", "5000", "--no-check", "--out", out.toString());
        // attn.c_proj [64, 64] has 4096 < 5000 elements; wpe [128, 64] is an embedding; wte both.
        assertThat(text).contains("{int8/channel=7, int8/row=1, fp32=2}").contains("kept fp32: 2 x fewer than 5000 elements")
                .doesNotContain("check");
        long fp32 = Files.size(MERGED) + Files.size(MERGED.resolveSibling("gpt2-tiny-past.onnx_data"));
        assertThat(Files.size(out)).isLessThan(fp32 / 2);
    }

    @Test
    void mixedPrecisionMeetsItsBitBudget() {
        Path out = dir.resolve("mixed.onnx");
        Path noPast = MERGED.resolveSibling("gpt2-tiny-nopast-opset17.onnx");
        String text = run(0, "quantize", noPast.toString(), "--to", "q4", "--target-bits", "6", "--min-size", "1000",
                "--calibration", "4", "--out", out.toString());
        // Two blocks: the less important one goes to 4 bits, the other and the head stay int8 until the
        // average is at most 6 (the plan table and summary name both).
        assertThat(text).contains("importance LIM on 4 calibration samples").containsPattern("int8/channel=\\d+")
                .containsPattern("q4/b32=\\d+");
        Graph g = Model.readGraph(out);
        assertThat(g.nodes()).extracting(Node::opType).contains("MatMulNBits", "DequantizeLinear");
    }

    @Test
    void rejectsATargetWithoutALowFormat() {
        String text = run(1, "quantize", MERGED.toString(), "--to", "int8", "--target-bits", "6", "--out", dir.resolve("x.onnx").toString());
        assertThat(text).contains("--target-bits mixes int8 with a 4-bit format");
    }

    @Test
    void aFolderStandsForItsOnnxExportOrSaysWhatToDo() throws Exception {
        Path folder = dir.resolve("hf");
        Files.createDirectories(folder);
        String text = run(1, "quantize", folder.toString(), "--to", "q4", "--out", dir.resolve("x.onnx").toString());
        assertThat(text).contains("has no ONNX export").contains("--weights q8|q4");
        Files.copy(MERGED.resolveSibling("gpt2-tiny-nopast-opset17.onnx"), folder.resolve("model.onnx"));
        run(0, "quantize", folder.toString(), "--to", "q4", "--min-size", "1000", "--no-check", "--out", dir.resolve("y.onnx").toString());
        assertThat(Model.readGraph(dir.resolve("y.onnx")).nodes()).extracting(Node::opType).contains("MatMulNBits");
    }

    @Test
    void aGpt2FolderWithoutOnnxBecomesAQuantizedCheckpointThatGenerates() throws Exception {
        Path tiny = Path.of("..", "engine", "llm", "src", "test", "resources", "gpt2", "gpt2-tiny");
        Path folder = dir.resolve("hf");
        Files.createDirectories(folder);
        for (String f : new String[] {"config.json", "model.safetensors", "vocab.json", "merges.txt", "tokenizer.json"}) {
            Files.copy(tiny.resolve(f), folder.resolve(f));
        }
        Path out = dir.resolve("q4");
        String text = run(0, "quantize", folder.toString(), "--to", "q4", "--out", out.toString());
        assertThat(text).contains("(Q4)").containsPattern("size       0\\.\\d MiB -> 0\\.\\d MiB")
                .contains("time       load and quantize").contains("bit-identical to quantizing at load");
        assertThat(dev.petrel.llm.QuantizedCheckpoint.isQuantized(out)).isTrue();
        assertThat(out.resolve("tokenizer.json")).exists();

        String stored = run(0, "generate", "--model", out.toString(), "--prompt", "The old", "--max-tokens", "8", "--print-ids");
        String atLoad = run(0, "generate", "--model", folder.toString(), "--weights", "q4", "--prompt", "The old", "--max-tokens", "8",
                "--print-ids");
        String ids = "(?m)^\\d+(,\\d+){7}$";
        assertThat(stored).containsPattern(ids);
        assertThat(idsLine(stored)).isEqualTo(idsLine(atLoad));

        assertThat(run(1, "quantize", folder.toString(), "--to", "nf4", "--out", dir.resolve("x").toString()))
                .contains("quantized to q8 or q4");
        assertThat(run(2, "generate", "--model", out.toString(), "--weights", "q8", "--prompt", "a", "--max-tokens", "2"))
                .contains("stored as Q4");
    }

    private static String idsLine(String text) {
        return text.lines().filter(l -> l.matches("\\d+(,\\d+)*")).findFirst().orElseThrow();
    }

    @Test
    void rejectsAnUnknownFormat() {
        String text = run(1, "quantize", MERGED.toString(), "--to", "int3", "--out", dir.resolve("x.onnx").toString());
        assertThat(text).contains("unknown quantization format 'int3'");
    }
}
