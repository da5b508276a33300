export { initProject, planInit, type InitOptions, type InitPlan } from './init-project.js';
export { renderDockerfile, renderDockerignore, type InitRecipe } from './render.js';
