// The dataset page widget's bundle: anywidget loads this module and calls `render`.
// The view itself is page_view.ts (the one-widget home mounts it too). Only the default
// export: anywidget deprecates a module that exports `render` directly.

import type { AnyWidget } from "@anywidget/types";
import { mountPage } from "./page_view";
import type { Traits } from "./types";

export default {
  render({ model, el }) {
    return mountPage(model, el);
  },
} satisfies AnyWidget<Traits>;
