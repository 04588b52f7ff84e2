package io.sheratan.cli;

import java.util.concurrent.CountDownLatch;

/**
 * How a long-running command ends: on SIGTERM or Ctrl-C the JVM runs a shutdown hook that closes
 * the service (cleanly: commit, leave the group, flush), and the command's thread, which waits for
 * that close to finish, returns 0. One place for what every service command did in its own copy.
 */
final class Services {

    private Services() {
    }

    /** Registers the shutdown hook for {@code service}, runs {@code started} (banner lines), waits until closed. */
    static int runUntilSignal(String name, AutoCloseable service, Runnable started) throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                service.close();
            } catch (Exception e) {
                System.err.println("sheratan " + name + ": while stopping: " + e.getMessage());
            } finally {
                stopped.countDown();
            }
        }, name + "-shutdown"));
        started.run();
        stopped.await();
        return 0;
    }
}
