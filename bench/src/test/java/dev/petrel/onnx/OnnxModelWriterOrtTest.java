package dev.petrel.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.petrel.DType;
import dev.petrel.Model;
import dev.petrel.PetrelException;
import dev.petrel.Tensor;
import dev.petrel.cli.EmbeddedModels;
import dev.petrel.graph.Graph;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ONNX Runtime loads what {@link OnnxModelWriter} writes and computes the same outputs as from the
 * original file: every ONNX backend test model that both Petrel reads and ONNX Runtime runs, MiniLM and
 * the tiny GPT-2 exports (external data and an If with subgraphs included).
 */
class OnnxModelWriterOrtTest {
    static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();
    @TempDir
    Path tmp;

    @Test
    void conformanceModelsGiveTheSameOutputsInOnnxRuntime() throws Exception {
        Path data = Paths.get(System.getProperty("petrel.onnx.testdata", "/usr/share/libonnx-testdata/data"), "node");
        Assumptions.assumeTrue(Files.isDirectory(data), "ONNX backend test data not installed at " + data);
        int same = 0;
        Map<String, Integer> skipped = new TreeMap<>();
        List<String> failures = new ArrayList<>();
        List<Path> dirs;
        try (Stream<Path> s = Files.list(data)) {
            dirs = s.filter(p -> Files.isRegularFile(p.resolve("model.onnx"))).sorted().toList();
        }
        for (Path dir : dirs) {
            Path model = dir.resolve("model.onnx");
            Path set = dir.resolve("test_data_set_0");
            if (!Files.isDirectory(set)) continue;
            Graph g;
            try {
                g = new OnnxModelReader().load(model);
            } catch (PetrelException e) {
                skipped.merge("Petrel cannot read", 1, Integer::sum);
                continue;
            }
            Map<String, Tensor> feeds = new LinkedHashMap<>();
            try {
                List<String> names = new ArrayList<>();
                for (var v : g.inputs()) if (!g.initializers().containsKey(v.name())) names.add(v.name());
                for (int i = 0; Files.isRegularFile(set.resolve("input_" + i + ".pb")); i++) {
                    if (i >= names.size()) throw new PetrelException("more inputs than declared");
                    feeds.put(names.get(i), TensorProtos.read(set.resolve("input_" + i + ".pb")).tensor());
                }
            } catch (PetrelException e) {
                skipped.merge("inputs not readable", 1, Integer::sum);
                continue;
            }
            Map<String, byte[]> expected;
            try {
                expected = run(model, feeds);
            } catch (OrtException | IllegalArgumentException e) {
                skipped.merge("ONNX Runtime cannot run the original", 1, Integer::sum);
                continue;
            }
            Path out = tmp.resolve("m.onnx");
            new OnnxModelWriter().write(g, out);
            try {
                Map<String, byte[]> actual = run(out, feeds);
                boolean equal = actual.keySet().equals(expected.keySet());
                for (String k : expected.keySet()) equal &= java.util.Arrays.equals(actual.get(k), expected.get(k));
                if (equal) same++;
                else failures.add(dir.getFileName() + ": outputs differ");
            } catch (OrtException e) {
                failures.add(dir.getFileName() + ": " + e.getMessage());
            }
        }
        System.out.println("written conformance models with the same ONNX Runtime outputs: " + same + "; skipped " + skipped);
        failures.forEach(f -> System.out.println("  " + f));
        assertThat(failures).isEmpty();
        assertThat(same).isGreaterThan(400);
    }

    @Test
    void miniLmAndGpt2Exports() throws Exception {
        Path gpt2 = Path.of("..", "engine", "llm", "src", "test", "resources", "gpt2", "onnx");
        Map<String, Path> models = new LinkedHashMap<>();
        models.put("minilm", EmbeddedModels.file(EmbeddedModels.MINILM));
        for (String f : List.of("gpt2-tiny-nopast-opset14.onnx", "gpt2-tiny-merged-opset17.onnx")) models.put(f, gpt2.resolve(f));
        for (Map.Entry<String, Path> e : models.entrySet()) {
            Graph g = Model.readGraph(e.getValue());
            Map<String, Tensor> feeds = new HashMap<>();
            int s = 5;
            long[] ids = {101, 7592, 2088, 999, 102};
            long[] ones = {1, 1, 1, 1, 1};
            long[] pos = {0, 1, 2, 3, 4};
            for (var v : g.inputs()) {
                String n = v.name();
                if (n.equals("input_ids")) feeds.put(n, Tensor.of(ids.clone(), 1, s));
                else if (n.equals("attention_mask")) feeds.put(n, Tensor.of(ones, 1, s));
                else if (n.equals("position_ids")) feeds.put(n, Tensor.of(pos, 1, s));
                else if (n.equals("token_type_ids")) feeds.put(n, Tensor.of(new long[s], 1, s));
                else if (n.startsWith("past_key_values")) feeds.put(n, Tensor.allocate(DType.FLOAT, 1, 4, 0, 16));
                else if (n.equals("use_cache_branch")) feeds.put(n, Tensor.of(new boolean[] {false}, 1));
            }
            if (!e.getKey().equals("minilm")) feeds.put("input_ids", Tensor.of(new long[] {1, 76, 200, 9, 102}, 1, s));
            Map<String, byte[]> expected = run(e.getValue(), feeds);
            Path out = tmp.resolve(e.getKey() + ".written.onnx");
            new OnnxModelWriter().write(g, out);
            Map<String, byte[]> actual = run(out, feeds);
            assertThat(actual.keySet()).as(e.getKey()).isEqualTo(expected.keySet());
            for (String k : expected.keySet()) assertThat(actual.get(k)).as(e.getKey() + " " + k).isEqualTo(expected.get(k));
        }
    }

    /** Every output's raw little-endian bytes. */
    static Map<String, byte[]> run(Path file, Map<String, Tensor> feeds) throws OrtException {
        Map<String, OnnxTensor> in = new HashMap<>();
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            o.setIntraOpNumThreads(1);
            try (OrtSession session = ENV.createSession(file.toString(), o)) {
                for (Map.Entry<String, Tensor> e : feeds.entrySet()) in.put(e.getKey(), toOrt(e.getValue()));
                Map<String, byte[]> out = new TreeMap<>();
                try (OrtSession.Result r = session.run(in)) {
                    for (Map.Entry<String, OnnxValue> e : r) {
                        if (!(e.getValue() instanceof OnnxTensor)) throw new IllegalArgumentException("non-tensor output");
                        OnnxTensor t = (OnnxTensor) e.getValue();
                        if (t.getInfo().type == OnnxJavaType.STRING) throw new IllegalArgumentException("string output");
                        ByteBuffer b = t.getByteBuffer();
                        byte[] bytes = new byte[b.remaining()];
                        b.get(bytes);
                        out.put(e.getKey(), bytes);
                    }
                }
                return out;
            }
        } finally {
            for (OnnxTensor t : in.values()) t.close();
        }
    }

    static OnnxTensor toOrt(Tensor t) throws OrtException {
        OnnxJavaType type;
        switch (t.dtype()) {
            case FLOAT: type = OnnxJavaType.FLOAT; break;
            case DOUBLE: type = OnnxJavaType.DOUBLE; break;
            case INT8: type = OnnxJavaType.INT8; break;
            case UINT8: type = OnnxJavaType.UINT8; break;
            case INT16: type = OnnxJavaType.INT16; break;
            case INT32: type = OnnxJavaType.INT32; break;
            case INT64: type = OnnxJavaType.INT64; break;
            case BOOL: type = OnnxJavaType.BOOL; break;
            case FLOAT16: type = OnnxJavaType.FLOAT16; break;
            case BFLOAT16: type = OnnxJavaType.BFLOAT16; break;
            default: throw new IllegalArgumentException("feed type " + t.dtype());
        }
        ByteBuffer b = ByteBuffer.allocateDirect(Math.max(1, t.bytes().capacity())).order(ByteOrder.nativeOrder());
        ByteBuffer src = t.bytes().duplicate();
        b.put(src);
        b.flip();
        return OnnxTensor.createTensor(ENV, b, t.shape(), type);
    }
}
