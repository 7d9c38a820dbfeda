/** A modular application embedding flowtrace, compiled and run on the module path by ModulePathIT. */
module app {
    requires io.flowtrace.core;
}
