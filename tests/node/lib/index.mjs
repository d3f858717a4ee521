// The shared Node test harness in one import: server process control
// (server.mjs), the grpc-js Flight client and error helpers (flight.mjs),
// Table <-> FlightData conversion (arrow_flight.mjs) and test data
// (fixtures.mjs). Runs in the node test process.
export * from './server.mjs';
export * from './flight.mjs';
export * from './arrow_flight.mjs';
export * from './fixtures.mjs';
