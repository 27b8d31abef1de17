// protocol/: pure TypeScript shared by server and clients (no DOM, no node:).
export * from './attachment.ts';
export * from './auth.ts';
export * from './bytes.ts';
export * from './codes.ts';
export * from './envelope.ts';
export * from './frames.ts';
export * from './grant.ts';
export * from './identity.ts';
export * from './random.ts';
export * from './sessionId.ts';
export * from './sign.ts';
export { SchemaError } from './schema.ts';
export * from './account.ts';
export * from './accountSeal.ts';
export * from './hlc.ts';
export * from './unblock.ts';
