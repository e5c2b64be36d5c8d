import { getConfiguration, init as initCore } from '@cornerstonejs/core';
import {
  BrushTool,
  CircleScissorsTool,
  CrosshairsTool,
  LengthTool,
  PaintFillTool,
  PanTool,
  RectangleScissorsTool,
  StackScrollTool,
  WindowLevelTool,
  ZoomTool,
  addTool,
  init as initTools,
} from '@cornerstonejs/tools';

let initialised = false;

/** Initialises Cornerstone3D core and tools once and registers the tools the viewer uses. */
export function initCornerstone(): void {
  if (initialised) return;
  // Cornerstone3D 5 makes a pool of 7 WebGL contexts by default, but draws every volume viewport
  // (orthographic and 3D alike) in the first one (ContextPoolRenderingEngine.addVtkjsDrivenViewport
  // spreads only stack viewports over the pool); the viewer has no stack viewport, so the other six
  // would cost start-up time (about 35 ms each with SwiftShader) and GPU memory and never draw.
  const defaults = getConfiguration();
  initCore({ ...defaults, rendering: { ...defaults.rendering, webGlContextCount: 1 } });
  initTools();
  for (const tool of [
    CrosshairsTool,
    WindowLevelTool,
    StackScrollTool,
    PanTool,
    ZoomTool,
    BrushTool,
    RectangleScissorsTool,
    CircleScissorsTool,
    PaintFillTool,
    LengthTool,
  ]) {
    addTool(tool);
  }
  initialised = true;
}
