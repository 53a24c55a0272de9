package dev.petrel.vector;

import dev.petrel.llm.DecoderOptions;
import dev.petrel.llm.Gpt2Decoder;
import dev.petrel.llm.Gpt2Model;
import dev.petrel.llm.WeightFormat;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Paths;

/** Decode CPU time per token (1 thread) of a GPT-2 folder with fp32/q8/q4 weights, interleaved. Not a test. */
public final class QuantDecodeCpu {
    public static void main(String[] args) throws Exception {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        WeightFormat[] formats = {WeightFormat.FP32, WeightFormat.Q8, WeightFormat.Q4};
        Gpt2Model[] models = new Gpt2Model[3];
        for (int f = 0; f < 3; f++) models[f] = Gpt2Model.load(Paths.get(args[0]), DecoderOptions.defaults().weights(formats[f]));
        int[] prompt = new int[128];
        for (int i = 0; i < 128; i++) prompt[i] = (i * 7919) % 50000;
        for (int round = 0; round < 3; round++) {
            for (int f = 0; f < 3; f++) {
                try (Gpt2Decoder d = models[f].newDecoder()) {
                    long c0 = mx.getCurrentThreadCpuTime(), w0 = System.nanoTime();
                    d.prefill(prompt);
                    long c1 = mx.getCurrentThreadCpuTime(), w1 = System.nanoTime();
                    int t = 5;
                    for (int i = 0; i < 127; i++) t = (d.decode(t).get(0) > 0 ? 11 : 13) + i;
                    long c2 = mx.getCurrentThreadCpuTime(), w2 = System.nanoTime();
                    System.out.printf("%s: prefill %.0f tok/s (CPU time), %.0f (wall); decode %.1f tok/s (CPU), %.1f (wall)%n", formats[f],
                            128 / ((c1 - c0) / 1e9), 128 / ((w1 - w0) / 1e9), 127 / ((c2 - c1) / 1e9), 127 / ((w2 - w1) / 1e9));
                }
            }
        }
    }
}
