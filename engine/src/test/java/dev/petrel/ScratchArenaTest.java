package dev.petrel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class ScratchArenaTest {

    @Test
    void growsToTheDemandOfTheLastRunThenFits() {
        ScratchArena a = new ScratchArena();
        a.reset();
        assertThat(a.allocate(100)).isEqualTo(-1); // empty at first: the demand is noted
        a.forget(100);
        a.reset();
        assertThat(a.capacity()).isGreaterThanOrEqualTo(128);
        int x = a.allocate(100);
        assertThat(x).isZero();
        a.free(x, 100);
        assertThat(a.allocate(100)).isZero(); // the freed block is reused
    }

    @Test
    void freedNeighboursMergeIntoOneBlock() {
        ScratchArena a = new ScratchArena();
        a.reset();
        for (int i = 0; i < 3; i++) assertThat(a.allocate(64)).isEqualTo(-1);
        a.reset();
        int cap = (int) a.capacity();
        int p = a.allocate(64), q = a.allocate(64), r = a.allocate(64);
        assertThat(new int[] {p, q, r}).containsExactly(0, 64, 128);
        a.free(p, 64);
        a.free(r, 64);
        a.free(q, 64);
        // One block again: the whole capacity is available in one piece.
        assertThat(a.allocate(cap)).isZero();
    }

    /** Random lifetimes: live blocks never overlap, and every block lies inside the arena. */
    @Property(tries = 200)
    void liveBlocksNeverOverlap(@ForAll long seed) {
        Random rnd = new Random(seed);
        ScratchArena a = new ScratchArena();
        for (int run = 0; run < 4; run++) {
            a.reset();
            List<int[]> live = new ArrayList<>();
            for (int step = 0; step < 60; step++) {
                if (!live.isEmpty() && rnd.nextInt(3) == 0) {
                    int[] b = live.remove(rnd.nextInt(live.size()));
                    if (b[0] >= 0) a.free(b[0], b[1]);
                    else a.forget(b[1]);
                    continue;
                }
                int bytes = 1 + rnd.nextInt(5000);
                int at = a.allocate(bytes);
                if (at >= 0) {
                    assertThat((long) at + bytes).isLessThanOrEqualTo(a.capacity());
                    for (int[] o : live) {
                        if (o[0] < 0) continue;
                        boolean disjoint = at + bytes <= o[0] || o[0] + o[1] <= at;
                        assertThat(disjoint).as("[%d,+%d) vs [%d,+%d)", at, bytes, o[0], o[1]).isTrue();
                    }
                }
                live.add(new int[] {at, bytes});
            }
        }
    }
}
