// Jest setup provided by Grafana scaffolding
import './.config/jest-setup';
// The jsdom stubs @grafana/ui needs, shared by both plugins.
import '@modelwatch/plugin-api/testing/jest-setup';
