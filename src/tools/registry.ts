import { NoError } from '../contracts/errors.js';
import type { ToolCapability, ToolLayerLevel, ToolManifest, ToolResult } from '../contracts/tools.js';
import { errorResult, toolError } from './errors.js';
import type { InvokeOptions, ToolLayer } from './tool.js';

export interface ToolQuery {
  name?: string;
  capability?: ToolCapability;
  layer?: ToolLayerLevel;
}

export interface RegistryInvokeOptions extends InvokeOptions {
  /** Which layer's tool, when several layers have one by that name. */
  layer?: ToolLayerLevel;
}

/** Every layer in one place: discovery across layers and calls routed to the right one. */
export interface ToolRegistry {
  /** Adds a layer; a second layer of the same level throws NoError('INVALID_REQUEST'). */
  add(layer: ToolLayer): this;
  layers(): ToolLayer[];
  layer(level: ToolLayerLevel): ToolLayer | undefined;
  /** Manifests of every tool matching all the given fields, in layer order then tool order. */
  find(query?: ToolQuery): ToolManifest[];
  /**
   * The layer and manifest behind a name, or undefined when no layer has it.
   * @throws NoError INVALID_REQUEST when several layers have it and no `layer` narrows it.
   */
  resolve(name: string, layer?: ToolLayerLevel): { layer: ToolLayer; manifest: ToolManifest } | undefined;
  /** Calls a tool through its layer's gate. Never throws: an unknown name is a TOOL_NOT_FOUND result, an ambiguous one INVALID_INPUT. */
  invoke(name: string, params: unknown, options?: RegistryInvokeOptions): Promise<ToolResult>;
}

/**
 * @example
 * const registry = createToolRegistry().add(createToolLayer('primitive')).add(createToolLayer('dashboard'));
 * registry.find({ capability: 'compute' }); // [{ name: 'evaluate-expression', ... }]
 * await registry.invoke('evaluate-expression', { expression: '1 + 2' }, { caller: 'agent-1' });
 */
export function createToolRegistry(): ToolRegistry {
  const byLevel = new Map<ToolLayerLevel, ToolLayer>();

  const registry: ToolRegistry = {
    add(layer) {
      if (byLevel.has(layer.level)) {
        throw new NoError('INVALID_REQUEST', `the registry already has a ${layer.level} layer`, { details: { layer: layer.level } });
      }
      byLevel.set(layer.level, layer);
      return registry;
    },
    layers: () => [...byLevel.values()],
    layer: (level) => byLevel.get(level),
    find(query = {}) {
      const out: ToolManifest[] = [];
      for (const layer of byLevel.values()) {
        if (query.layer !== undefined && layer.level !== query.layer) continue;
        for (const m of layer.getAvailableTools()) {
          if (query.name !== undefined && m.name !== query.name) continue;
          if (query.capability !== undefined && m.capability !== query.capability) continue;
          out.push(m);
        }
      }
      return out;
    },
    resolve(name, level) {
      const hits = registry.find({ name, ...(level === undefined ? {} : { layer: level }) });
      if (hits.length > 1) {
        throw new NoError('INVALID_REQUEST', `tool '${name}' exists in several layers (${hits.map((h) => h.layer).join(', ')}); name the layer`, {
          details: { tool: name, layers: hits.map((h) => h.layer) },
        });
      }
      const manifest = hits[0];
      return manifest === undefined ? undefined : { layer: byLevel.get(manifest.layer) as ToolLayer, manifest };
    },
    async invoke(name, params, options = {}) {
      const { layer: level, ...invokeOptions } = options;
      let target: ToolLayer | undefined;
      try {
        target = registry.resolve(name, level)?.layer;
      } catch (error) {
        const first = level ?? registry.layers()[0]?.level ?? 'primitive';
        return errorResult(name, first, toolError('INVALID_INPUT', (error as Error).message, { details: (error as NoError).details }), 0);
      }
      // An unknown name still goes through a gate, so the refusal is audited like any other.
      target ??= (level === undefined ? undefined : byLevel.get(level)) ?? registry.layers()[0];
      if (target === undefined) {
        return errorResult(name, level ?? 'primitive', toolError('TOOL_NOT_FOUND', `unknown tool '${name}': the registry has no layers`, { details: { tool: name, available: [] } }), 0);
      }
      return target.invoke(name, params, invokeOptions);
    },
  };
  return registry;
}
