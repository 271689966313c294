// An in-memory stand-in for anywidget's model of the dataset list (see fake_model.ts).
import type { DatasetRow, ListModel, ListTraits } from "../src/dataset_list";
import { FakeWidgetModel } from "./fake_model";

export class FakeListModel extends FakeWidgetModel<ListTraits> implements ListModel {
  constructor(overrides: Partial<ListTraits> = {}) {
    super({
      query: "",
      sort: ["updated_at", "desc"],
      workspace: "/tmp/workspace",
      _datasets: [],
      ...overrides,
    });
  }
}

export function dataset(overrides: Partial<DatasetRow> = {}): DatasetRow {
  return {
    name: "reviews",
    task: "TextClassification",
    tags: {},
    records: 100,
    annotated: 25,
    annotated_percent: 25.0,
    created_at: "2024-05-01T10:00:00Z",
    updated_at: "2024-05-02T10:00:00Z",
    ...overrides,
  };
}

export { flush } from "./fake_model";
