/**
 * Configuration files for every command: {@link io.flowtrace.examples.config.ConfigFile} reads a YAML file into a
 * tree whose nodes know their key path, with placeholders filled from the environment and a {@code .env} file;
 * {@link io.flowtrace.examples.config.RunConfig} takes from it what a metering command uses. Used on the thread that
 * starts a command; nothing here is on the packet path.
 */
package io.flowtrace.examples.config;
