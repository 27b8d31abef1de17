import { MemoryStorage } from '../memoryStorage.ts';
import { storageSuite } from './storageSuite.ts';

storageSuite('MemoryStorage', { create: async () => new MemoryStorage() });
