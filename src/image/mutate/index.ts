/** Building new images from a base: append layers, edit the config, assemble indexes. */
export { BuiltImage, BuiltIndex, scratchImage, jsonBytes, isImageIndex, type ImageParts } from './built-image.js';
export { applyConfigChanges, normalisePort, parseEnv, type ConfigChanges, type AddedLayerInfo } from './config.js';
export { mutateImage, ociLayerMediaType, type Mutation, type AddedLayer } from './mutate.js';
