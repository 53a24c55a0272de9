package dev.petrel.vector;

import dev.petrel.llm.DecoderOptions;
import dev.petrel.llm.Gpt2Decoder;
import dev.petrel.llm.Gpt2Model;
import dev.petrel.llm.WeightFormat;
import java.nio.file.Paths;

/** Decodes in a loop (for a profiler): args folder, format, seconds. Not a test. */
public final class QuantDecodeLoop {
    public static void main(String[] args) throws Exception {
        Gpt2Model m = Gpt2Model.load(Paths.get(args[0]), DecoderOptions.defaults().weights(WeightFormat.valueOf(args[1])));
        long end = System.nanoTime() + (long) (Double.parseDouble(args[2]) * 1e9);
        int[] prompt = new int[128];
        for (int i = 0; i < 128; i++) prompt[i] = (i * 7919) % 50000;
        int tokens = 0;
        long t0 = System.nanoTime();
        try (Gpt2Decoder d = m.newDecoder()) {
            while (System.nanoTime() < end) {
                d.reset();
                d.prefill(prompt[0]);
                for (int i = 1; i < 256; i++, tokens++) d.decode(prompt[i % 128]);
            }
        }
        System.out.printf("%d tokens, %.1f tok/s%n", tokens, tokens / ((System.nanoTime() - t0) / 1e9));
    }
}
