package dev.petrel.llm;

import dev.petrel.Model;
import dev.petrel.Options;
import dev.petrel.Session;
import dev.petrel.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * What feeding an ONNX decoder export's cache back costs per token, at the fixtures' tiny size: decode
 * steps through {@link OnnxCausalLm} (the cache carried inside the session, {@link Session#carry}) against
 * the same steps on a plain session where every {@code present.*} comes out as a new heap tensor and goes
 * back in as the next past (which the session copies into native memory again). Medians per step. Not
 * part of the test suite. Run from engine/llm after {@code mvn -o -pl bench -am package}:
 *
 * <pre>
 * java -cp target/test-classes:../../bench/target/lib/'*' dev.petrel.llm.OnnxDecodeCostBenchmark [file.onnx] [rounds]
 * </pre>
 */
public final class OnnxDecodeCostBenchmark {
    public static void main(String[] args) throws IOException {
        Path file = Path.of(args.length > 0 ? args[0] : "src/test/resources/gpt2/onnx/gpt2-tiny-past-opset17.onnx");
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        OnnxCausalLm lm = OnnxCausalLm.load(file, new Options().threads(1));
        if (lm.layout() != OnnxCausalLm.Layout.WITH_PAST) throw new IllegalArgumentException("needs a with-past file, got " + lm);
        Model model = Model.load(file);
        int prompt = 8, steps = lm.capacity() - prompt;
        int[] ids = new int[prompt];
        for (int i = 0; i < prompt; i++) ids[i] = 30 + 17 * i;
        System.out.println(lm);
        for (int round = 0; round < rounds; round++) {   // the first rounds warm the JIT up
            long[] carried = new long[steps], copied = new long[steps];
            long bytes = 0;
            try (OnnxCausalLm.Decoder d = lm.newDecoder()) {
                d.prefill(ids);
                for (int s = 0; s < steps; s++) {
                    bytes += d.pastBytes();
                    long t0 = System.nanoTime();
                    d.decode(s % 400);
                    carried[s] = System.nanoTime() - t0;
                }
            }
            try (Session session = model.newSession(new Options().threads(1))) {
                Map<String, Tensor> past = new HashMap<>();
                for (int l = 0; l < lm.layers(); l++) {
                    for (String kv : new String[] {"key", "value"}) {
                        past.put("past_key_values." + l + "." + kv, Tensor.allocate(dev.petrel.DType.FLOAT, 1, lm.heads(), 0, lm.headSize()));
                    }
                }
                Map<String, Tensor> out = session.run(inputs(ids, 0, past));
                for (int s = 0; s < steps; s++) {
                    past.clear();
                    for (Map.Entry<String, Tensor> e : out.entrySet()) {
                        if (e.getKey().startsWith("present.")) past.put(e.getKey().replace("present.", "past_key_values."), e.getValue());
                    }
                    long t0 = System.nanoTime();
                    out = session.run(inputs(new int[] {s % 400}, prompt + s, past));
                    copied[s] = System.nanoTime() - t0;
                }
            }
            System.out.printf("round %d: %d steps (past %d..%d positions, %.1f KiB on average): carried in the session %.1f us/step, "
                            + "copied out and back %.1f us/step (medians)%n",
                    round, steps, prompt, prompt + steps - 1, bytes / 1024.0 / steps, median(carried), median(copied));
        }
    }

    private static Map<String, Tensor> inputs(int[] ids, int position, Map<String, Tensor> past) {
        Map<String, Tensor> in = new HashMap<>(past);
        long[] t = new long[ids.length], pos = new long[ids.length], mask = new long[position + ids.length];
        for (int i = 0; i < ids.length; i++) {
            t[i] = ids[i];
            pos[i] = position + i;
        }
        Arrays.fill(mask, 1L);
        in.put("input_ids", Tensor.of(t, 1, ids.length));
        in.put("position_ids", Tensor.of(pos, 1, ids.length));
        in.put("attention_mask", Tensor.of(mask, 1, mask.length));
        return in;
    }

    private static double median(long[] nanos) {
        long[] s = nanos.clone();
        Arrays.sort(s);
        return s[s.length / 2] / 1e3;
    }
}
