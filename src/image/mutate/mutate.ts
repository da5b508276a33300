/**
 * Append layers to a base image and edit its config, producing a new read-only
 * Image whose base layers still stream from the base's source.
 *
 * The result is always an OCI manifest: Docker layer media types of the base are
 * mapped to their OCI equivalents (the blobs, and so the digests, are the same
 * bytes; only the descriptor's type string changes), so the manifest never mixes
 * families (registries reject mixed manifests) and can carry annotations.
 */
import { MediaType, type Descriptor, type HistoryEntry, type Image, type Layer } from '../model.js';
import { DelegatingLayer } from '../partial.js';
import { BuiltImage } from './built-image.js';
import { applyConfigChanges, type ConfigChanges } from './config.js';

const TO_OCI: Record<string, string> = {
  [MediaType.DockerLayerGzip]: MediaType.OciLayerGzip,
  [MediaType.DockerLayerTar]: MediaType.OciLayer,
  [MediaType.DockerForeignLayerGzip]: MediaType.OciLayerNondistributableGzip,
};

/** The OCI media type for a layer media type (identity for OCI types). Pure. */
export function ociLayerMediaType(mediaType: string): string {
  return TO_OCI[mediaType] ?? mediaType;
}

/** Same layer, reported under another media type. */
class RetypedLayer extends DelegatingLayer {
  constructor(
    inner: Layer,
    private readonly type: string,
  ) {
    super(inner);
  }
  override mediaType(): string {
    return this.type;
  }
}

export interface AddedLayer {
  layer: Layer;
  history: HistoryEntry;
}

export interface Mutation {
  layers?: AddedLayer[];
  config?: ConfigChanges;
  /** Manifest annotations (replace the base's). */
  annotations?: Record<string, string>;
  reference?: string;
  /** Optional hook so callers can swap base layers (e.g. for cached copies). */
  wrapBaseLayer?: (layer: Layer) => Layer;
}

export function mutateImage(base: Image, m: Mutation): BuiltImage {
  const baseDescriptors: Descriptor[] = base.manifest().layers;
  const baseLayers = base.layers().map((l) => {
    const wrapped = m.wrapBaseLayer ? m.wrapBaseLayer(l) : l;
    const oci = ociLayerMediaType(l.mediaType());
    return oci === wrapped.mediaType() ? wrapped : new RetypedLayer(wrapped, oci);
  });
  const added = m.layers ?? [];
  const config = applyConfigChanges(
    base.config(),
    m.config ?? {},
    added.map((a) => ({ diffId: a.layer.diffId(), history: a.history })),
  );
  return new BuiltImage({
    config,
    layers: [...baseLayers, ...added.map((a) => a.layer)],
    layerDescriptorExtras: baseDescriptors.map((d) => (d.urls ? { urls: d.urls } : undefined)),
    ...(m.annotations ? { annotations: m.annotations } : {}),
    ...(m.reference ? { reference: m.reference } : {}),
  });
}
