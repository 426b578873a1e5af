import { DataSourcePlugin } from '@grafana/data';
import { ConfigEditor } from './components/ConfigEditor';
import { QueryEditor } from './components/QueryEditor';
import { DataSource } from './datasource';
import { MwDataSourceOptions, MwQuery, MwSecureJsonData } from './types';

export const plugin = new DataSourcePlugin<DataSource, MwQuery, MwDataSourceOptions, MwSecureJsonData>(DataSource)
  .setConfigEditor(ConfigEditor)
  .setQueryEditor(QueryEditor);
