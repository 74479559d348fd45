export {
  CerebrumAnnotation,
  CEREBRUM_NODES,
  cerebrumSpanName,
  createCerebrumGraphBuilder,
  createCerebrumGraph,
} from './cerebrum.js';
export type {
  CerebrumState,
  CerebrumUpdate,
  CerebrumNode,
  CerebrumGraphOptions,
  CerebrumBuilderOptions,
  CerebrumCompileOptions,
  CerebrumGraphBuilder,
  CerebrumGraph,
} from './cerebrum.js';
export {
  DEFAULT_CEREBRUM_PERSONA,
  PERSONA_REQUIREMENTS,
  personaViolations,
  personaPolicyError,
  assertPersona,
} from './persona.js';
export type { PersonaRequirement } from './persona.js';
export {
  CEREBRUM_PROVIDER_ORDER,
  DEFAULT_CEREBRUM_MODELS,
  UNKNOWN_MODEL,
  selectModel,
} from './model-selection.js';
export type { CerebrumProvider, SelectedModel, ProviderAvailability, ModelSelectionOptions } from './model-selection.js';
