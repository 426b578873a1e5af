// Test tooling both plugins share: a fake getBackendSrv().fetch and the recorded backend replies.
export * from './fakeBackend';
export { recorded } from './fixtures';
