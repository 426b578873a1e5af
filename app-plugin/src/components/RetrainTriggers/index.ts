export { RetrainTriggers, triggerLines } from './RetrainTriggers';
