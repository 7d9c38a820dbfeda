/** Plug-in points for alerts: notifiers and analyzers, found through {@link java.util.ServiceLoader}. */
package io.flowtrace.alert.spi;
