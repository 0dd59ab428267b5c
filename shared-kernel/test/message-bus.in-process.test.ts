import { InProcessBus } from '../src/adapters/bus/in-process-bus.js';
import { messageBusContract } from './message-bus.contract.js';

messageBusContract('in-process', async () => new InProcessBus());
