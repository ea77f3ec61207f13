/** scenes.create: a scene with an optional background image, size and grid size. */
import { create, operation } from "./common";
import { pushResult } from "./results";
import { documentId, flag, integer, object, optional, schema, text } from "./schema";

export const scenesCreate = operation(
  "scenes.create",
  schema(
    "scenes.create",
    object({
      name: text(1, 255),
      background: optional(text(1, 1024)),
      width: optional(integer(100, 16_384)),
      height: optional(integer(100, 16_384)),
      gridSize: optional(integer(20, 1000)),
      folder: optional(documentId),
      navigation: optional(flag),
    }),
  ),
  async (docs, { name, background, width, height, gridSize, folder, navigation }) => {
    const data = {
      name,
      width,
      height,
      folder,
      navigation,
      // Scene data keeps the image in `background.src` and the grid's size in `grid.size` (docs/FOUNDRY.md).
      background: background === undefined ? undefined : { src: background },
      grid: gridSize === undefined ? undefined : { size: gridSize },
    };
    return pushResult(await create(docs, "scenes.create", "Scene", data));
  },
);
