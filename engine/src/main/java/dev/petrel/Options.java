package dev.petrel;

/**
 * Settings of a {@link Session}. Mutable builder; a session copies what it needs when created.
 *
 * <pre>{@code
 * Session s = model.newSession(new Options().threads(2));
 * }</pre>
 */
public final class Options {
    private int threads = Runtime.getRuntime().availableProcessors();
    private int maxPlans = 16;
    private boolean profile;

    /**
     * Threads a kernel may use inside one operator (default: the available processors). With 1 the
     * session runs everything on the calling thread and starts no worker.
     */
    public Options threads(int n) {
        if (n < 1) throw new IllegalArgumentException("threads must be at least 1, got " + n);
        this.threads = n;
        return this;
    }

    public int threads() {
        return threads;
    }

    /**
     * How many execution plans (one per distinct set of input shapes) a session keeps; the least
     * recently used is dropped beyond that (default 16).
     */
    public Options maxPlans(int n) {
        if (n < 1) throw new IllegalArgumentException("maxPlans must be at least 1, got " + n);
        this.maxPlans = n;
        return this;
    }

    public int maxPlans() {
        return maxPlans;
    }

    /**
     * Times every node of the top-level graph in each run (one {@code System.nanoTime} pair per node),
     * summed in {@link Session#profile()}. Off by default.
     */
    public Options profile(boolean on) {
        this.profile = on;
        return this;
    }

    public boolean profile() {
        return profile;
    }

    Options copy() {
        return new Options().threads(threads).maxPlans(maxPlans).profile(profile);
    }
}
