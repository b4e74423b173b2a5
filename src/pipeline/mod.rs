//! The pipeline part: DAGs of model and custom nodes from `pipeline_config_list`.

pub mod custom_node;
