// Starts Solr 9 for the local stack: JettySolrRunner (from solr-test-framework)
// on 127.0.0.1:<port>/solr with the cores found under <solr home>.
//
//   java -Xmx512m -cp '<lib>/*' solr/Launcher.java <solr home> <port>
//
// Run by stack/solr.sh; the jars come from solr/pom.xml. Prints one
// "listening" line with the PID once Jetty is up and exits non-zero when Solr
// cannot start. Stops cleanly (commit, close cores) on SIGTERM.
import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.solr.core.SolrCore;
import org.apache.solr.embedded.JettyConfig;
import org.apache.solr.embedded.JettySolrRunner;

public class Launcher {
    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: Launcher <solr home> <port>");
            System.exit(2);
        }
        Path home = Path.of(args[0]).toAbsolutePath().normalize();
        int port;
        try {
            port = Integer.parseInt(args[1]);
        } catch (NumberFormatException e) {
            System.err.println("invalid port: " + args[1]);
            System.exit(2);
            return;
        }
        if (!Files.isRegularFile(home.resolve("solr.xml"))) {
            System.err.println("no solr.xml in " + home);
            System.exit(2);
        }
        long pid = ProcessHandle.current().pid();
        JettyConfig config = JettyConfig.builder()
                .setPort(port)
                .setContext("/solr")
                .stopAtShutdown(true)
                .build();
        JettySolrRunner solr = new JettySolrRunner(home.toString(), config);
        try {
            solr.start();
        } catch (Exception e) {
            System.err.println("Solr failed to start on port " + port + " (pid " + pid + "): " + e);
            System.exit(1);
        }
        if (!solr.isRunning() || solr.getLocalPort() != port) {
            System.err.println("Solr failed to start on port " + port + " (pid " + pid + ")");
            try {
                solr.stop();
            } catch (Exception ignored) {
                // exiting anyway
            }
            System.exit(1);
        }
        String version = String.valueOf(SolrCore.class.getPackage().getImplementationVersion()).split(" ")[0];
        System.out.println("Solr " + version + " listening on " + solr.getBaseUrl()
                + " (pid " + pid + ", home " + home + ")");
        System.out.flush();
        // Until SIGTERM: the JVM's shutdown hook (stopAtShutdown) then stops Solr.
        Thread.currentThread().join();
    }
}
