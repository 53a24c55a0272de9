package dev.petrel.llm;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/** After warm-up a decode step, and a sampling step, allocate nothing on the heap. */
class DecodeAllocationTest {
    @Test
    void decodingAndSamplingAllocateNothingPerToken() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long me = Thread.currentThread().getId();
        for (String folder : new String[] {Fixtures.F32, Fixtures.LN_FREE}) {
            // One thread: allocation is counted per thread, and worker threads would escape the count.
            try (Gpt2Decoder d = Fixtures.load(folder, DecoderOptions.defaults()).newDecoder()) {
                Sampler sampler = new Sampler(d.config().vocabSize);
                sampler.reset(GenerationOptions.sampling(0.8f, 3).topK(40).topP(0.9f).repetitionPenalty(1.2f));
                int[] context = new int[d.capacity()];
                long perToken = Long.MAX_VALUE;
                // Until the JIT has compiled the loop, the interpreter may allocate; take the best of a few rounds.
                for (int round = 0; round < 8 && perToken > 0; round++) {
                    d.reset();
                    d.prefill(1, 2, 3);
                    int n = 3, id = 3;
                    for (int t = 0; t < 40; t++) {   // warm-up
                        id = sampler.sample(d.logitsArray(), context, n);
                        context[n++] = id;
                        d.decode(id);
                    }
                    long before = threads.getThreadAllocatedBytes(me);
                    for (int t = 0; t < 60; t++) {
                        id = sampler.sample(d.logitsArray(), context, n);
                        context[n++] = id;
                        d.decode(id);
                    }
                    perToken = (threads.getThreadAllocatedBytes(me) - before) / 60;
                }
                System.out.printf("%s: %d bytes allocated per decoded token%n", folder, perToken);
                assertThat(perToken).isZero();
            }
        }
    }
}
