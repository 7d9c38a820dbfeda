/** The flowtrace agent and command line, and an example aggregator plugin. */
module io.flowtrace.examples {
    requires io.flowtrace.core;
    requires com.fasterxml.jackson.core;
    requires com.fasterxml.jackson.databind;
    requires com.fasterxml.jackson.dataformat.yaml;
    requires org.slf4j;

    exports io.flowtrace.examples;
}
