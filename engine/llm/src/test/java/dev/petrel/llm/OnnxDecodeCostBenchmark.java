package dev.petrel.llm;

import dev.petrel.DType;
import dev.petrel.Options;
import dev.petrel.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * Where a decode step of an ONNX decoder export goes, at the fixtures' tiny size: the whole step
 * through {@link OnnxCausalLm}, the same step re-run with unchanged shapes (the session's planned path),
 * and the two copies the present-to-past round trip makes outside the graph, reproduced on buffers of
 * the same sizes: output arena -> new heap tensor ({@code Tensor.copy}, in the session), heap -> new
 * direct buffer (what the session does with heap inputs of a shape it has no plan for), heap -> reused
 * direct buffer (what {@link OnnxCausalLm.Decoder} does instead). Not part of the test
 * suite. Run from engine/llm after {@code mvn -o -pl bench -am package}:
 *
 * <pre>
 * java -cp target/test-classes:../../bench/target/lib/'*' dev.petrel.llm.OnnxDecodeCostBenchmark [file.onnx] [rounds]
 * </pre>
 */
public final class OnnxDecodeCostBenchmark {
    public static void main(String[] args) throws IOException {
        Path file = Path.of(args.length > 0 ? args[0] : "src/test/resources/gpt2/onnx/gpt2-tiny-past-opset17.onnx");
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        OnnxCausalLm lm = OnnxCausalLm.load(file, new Options().threads(1));
        int prompt = 8, steps = lm.capacity() - prompt;
        int[] ids = new int[prompt];
        for (int i = 0; i < prompt; i++) ids[i] = 30 + 17 * i;
        System.out.println(lm);
        for (int round = 0; round < rounds; round++) {   // the first rounds warm the JIT up
            long[] step = new long[steps], copyOut = new long[steps], copyIn = new long[steps], copyReused = new long[steps];
            ByteBuffer reused = direct(lm.capacity() * lm.heads() * lm.headSize() * 4);
            long bytes = 0;
            try (OnnxCausalLm.Decoder d = lm.newDecoder()) {
                d.prefill(ids);
                for (int s = 0; s < steps; s++) {
                    bytes += d.pastBytes();
                    long t0 = System.nanoTime();
                    d.decode(s % 400);
                    step[s] = System.nanoTime() - t0;
                }
            }
            // The copies of the same bytes, per past tensor, as the session makes them.
            int tensors = 2 * lm.layers();
            for (int s = 0; s < steps; s++) {
                int positions = prompt + s;
                for (int k = 0; k < tensors; k++) {
                    int[] dims = {1, lm.heads(), positions + 1, lm.headSize()};
                    Tensor arena = Tensor.wrap(DType.FLOAT, direct(Tensor.checkedSize(dims) * 4), dims);
                    long t0 = System.nanoTime();
                    Tensor heap = arena.copy();
                    long t1 = System.nanoTime();
                    Tensor off = Tensor.wrap(DType.FLOAT, direct(heap.size() * 4), dims);
                    Tensor.copyBytes(heap.bytes(), 0, off.bytes(), 0, heap.size() * 4);
                    long t2 = System.nanoTime();
                    Tensor.copyBytes(heap.bytes(), 0, reused, 0, heap.size() * 4);
                    long t3 = System.nanoTime();
                    copyOut[s] += t1 - t0;
                    copyIn[s] += t2 - t1;
                    copyReused[s] += t3 - t2;
                }
            }
            double planned = plannedStepMicros(lm, prompt + steps / 2);
            System.out.printf("round %d: %d steps (past %d..%d positions), median %.1f us/step; same step re-run with a plan %.1f us; "
                            + "per step: %.1f KiB of past, copy out %.2f us, copy in: to a new direct buffer %.2f us, to a reused one %.2f us (medians)%n",
                    round, steps, prompt, prompt + steps - 1, median(step), planned, bytes / 1024.0 / steps,
                    median(copyOut), median(copyIn), median(copyReused));
        }
    }

    private static double median(long[] nanos) {
        long[] s = nanos.clone();
        java.util.Arrays.sort(s);
        return s[s.length / 2] / 1e3;
    }

    private static ByteBuffer direct(int bytes) {
        return ByteBuffer.allocateDirect(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** One decode step at {@code past} positions, run 50 times on the same shapes: the session's planned path. */
    private static double plannedStepMicros(OnnxCausalLm lm, int past) {
        try (OnnxCausalLm.Decoder d = lm.newDecoder()) {
            int[] ids = new int[past];
            d.prefill(ids);
            // Re-feeding the token at the same position keeps every input shape: the first run records the plan.
            int[] prefix = new int[past - 1];
            int runs = 51;
            long[] t = new long[runs];
            for (int i = 0; i < runs; i++) {
                d.reset();
                d.prefill(prefix);
                long t0 = System.nanoTime();
                d.decode(7);
                t[i] = System.nanoTime() - t0;
            }
            return median(t);
        }
    }
}
