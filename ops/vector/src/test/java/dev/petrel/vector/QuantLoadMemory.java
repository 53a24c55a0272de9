package dev.petrel.vector;

import dev.petrel.llm.DecoderOptions;
import dev.petrel.llm.Gpt2Decoder;
import dev.petrel.llm.Gpt2Model;
import dev.petrel.llm.WeightFormat;
import java.nio.file.Files;
import java.nio.file.Paths;

/** Load time and resident memory (anonymous vs file-backed) of one GPT-2 folder in one format. Not a test. */
public final class QuantLoadMemory {
    public static void main(String[] args) throws Exception {
        long t0 = System.nanoTime();
        Gpt2Model m = Gpt2Model.load(Paths.get(args[0]), DecoderOptions.defaults().weights(WeightFormat.valueOf(args[1])));
        long t1 = System.nanoTime();
        try (Gpt2Decoder d = m.newDecoder()) {
            d.prefill(1, 2, 3);
            for (int i = 0; i < 20; i++) d.decode(i);
        }
        System.gc();
        String status = new String(Files.readAllBytes(Paths.get("/proc/self/status")));
        StringBuilder rss = new StringBuilder();
        for (String line : status.split("\n")) if (line.startsWith("Rss")) rss.append(line.replaceAll("\\s+", " ")).append("; ");
        System.out.printf("%s: load %.0f ms, %d MiB read per token; %s%n", args[1], (t1 - t0) / 1e6, m.weights().weightBytes() >> 20, rss);
    }
}
