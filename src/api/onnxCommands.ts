import { z } from 'zod';

const id = z.string().min(1).max(200);
const path = z.string().min(1).max(4096);

/** The model library and ONNX: any model out as .onnx with its card, an .onnx segmenter in. */
export const onnxCommandSchemas = {
  exportModelOnnx: {
    params: z
      .object({
        modelId: id,
        /** the .onnx file to write; its card goes beside it as <name>.model.json */
        path: path.regex(/\.onnx$/i, 'must end in .onnx'),
        overwrite: z.boolean().optional(),
      })
      .strict(),
    result: z.object({ onnxPath: z.string(), cardPath: z.string(), bytes: z.number().int() }),
  },
  importOnnxModel: {
    params: z
      .object({
        path: path.regex(/\.onnx$/i, 'must end in .onnx'),
        /** the model card; default <name>.model.json beside the .onnx */
        cardPath: path.optional(),
      })
      .strict(),
    result: z.object({ modelId: id, name: z.string(), classes: z.array(z.string()) }),
  },
} as const;
