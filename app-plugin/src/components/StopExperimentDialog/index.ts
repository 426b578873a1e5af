export { StopExperimentDialog, stopConsequence } from './StopExperimentDialog';
