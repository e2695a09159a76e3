"""JSON schemas for the custom resources, which kubernetes-validate does not bundle.

Hand-written from the CRD references (Prometheus Operator monitoring.coreos.com/v1 PodMonitor and
PrometheusRule, KEDA keda.sh/v1alpha1 ScaledObject), covering the fields deploy/k8s uses; unknown fields are
rejected so a typo fails the test instead of being ignored by the cluster.
"""

from __future__ import annotations

_STRING_MAP = {"type": "object", "additionalProperties": {"type": "string"}}
_METADATA = {"type": "object", "required": ["name"],
             "properties": {"name": {"type": "string"}, "namespace": {"type": "string"},
                            "labels": _STRING_MAP, "annotations": _STRING_MAP}}
_SELECTOR = {"type": "object", "additionalProperties": False,
             "properties": {"matchLabels": _STRING_MAP, "matchExpressions": {"type": "array"}}}
_RELABEL = {"type": "object", "additionalProperties": False,
            "properties": {"sourceLabels": {"type": "array", "items": {"type": "string"}},
                           "separator": {"type": "string"}, "targetLabel": {"type": "string"},
                           "regex": {"type": "string"}, "modulus": {"type": "integer"},
                           "replacement": {"type": "string"},
                           "action": {"enum": ["replace", "keep", "drop", "hashmod", "labelmap", "labeldrop",
                                               "labelkeep", "lowercase", "uppercase", "keepequal", "dropequal"]}}}
_DURATION = {"type": "string", "pattern": r"^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$"}

POD_MONITOR = {
    "type": "object", "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "apiVersion": {"const": "monitoring.coreos.com/v1"}, "kind": {"const": "PodMonitor"},
        "metadata": _METADATA,
        "spec": {"type": "object", "additionalProperties": False, "required": ["selector", "podMetricsEndpoints"],
                 "properties": {
                     "selector": _SELECTOR, "jobLabel": {"type": "string"},
                     "namespaceSelector": {"type": "object"},
                     "podMetricsEndpoints": {"type": "array", "minItems": 1, "items": {
                         "type": "object", "additionalProperties": False,
                         "properties": {"port": {"type": "string"}, "path": {"type": "string"},
                                        "scheme": {"enum": ["http", "https"]}, "interval": _DURATION,
                                        "scrapeTimeout": _DURATION, "honorLabels": {"type": "boolean"},
                                        "relabelings": {"type": "array", "items": _RELABEL},
                                        "metricRelabelings": {"type": "array", "items": _RELABEL}}}}}},
    },
}

SCALED_OBJECT = {
    "type": "object", "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "apiVersion": {"const": "keda.sh/v1alpha1"}, "kind": {"const": "ScaledObject"},
        "metadata": _METADATA,
        "spec": {"type": "object", "additionalProperties": False, "required": ["scaleTargetRef", "triggers"],
                 "properties": {
                     "scaleTargetRef": {"type": "object", "additionalProperties": False, "required": ["name"],
                                        "properties": {"name": {"type": "string"}, "kind": {"type": "string"},
                                                       "apiVersion": {"type": "string"},
                                                       "envSourceContainerName": {"type": "string"}}},
                     "minReplicaCount": {"type": "integer", "minimum": 0},
                     "maxReplicaCount": {"type": "integer", "minimum": 1},
                     "idleReplicaCount": {"type": "integer", "minimum": 0},
                     "pollingInterval": {"type": "integer", "minimum": 1},
                     "cooldownPeriod": {"type": "integer", "minimum": 0},
                     "initialCooldownPeriod": {"type": "integer", "minimum": 0},
                     "fallback": {"type": "object"},
                     "advanced": {"type": "object", "additionalProperties": False,
                                  "properties": {"restoreToOriginalReplicaCount": {"type": "boolean"},
                                                 "horizontalPodAutoscalerConfig": {"type": "object"},
                                                 "scalingModifiers": {"type": "object"}}},
                     "triggers": {"type": "array", "minItems": 1, "items": {
                         "type": "object", "additionalProperties": False, "required": ["type", "metadata"],
                         "properties": {"type": {"type": "string"}, "name": {"type": "string"},
                                        "metadata": _STRING_MAP,  # KEDA trigger metadata values are strings
                                        "authenticationRef": {"type": "object"},
                                        "metricType": {"enum": ["AverageValue", "Value", "Utilization"]},
                                        "useCachedMetrics": {"type": "boolean"}}}}}},
    },
}

_RULE = {"type": "object", "additionalProperties": False,
         "properties": {"alert": {"type": "string"}, "record": {"type": "string"},
                        "expr": {"type": "string", "minLength": 1}, "for": _DURATION,
                        "keep_firing_for": _DURATION, "labels": _STRING_MAP, "annotations": _STRING_MAP},
         "required": ["expr"], "oneOf": [{"required": ["alert"]}, {"required": ["record"]}]}

PROMETHEUS_RULE = {
    "type": "object", "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "apiVersion": {"const": "monitoring.coreos.com/v1"}, "kind": {"const": "PrometheusRule"},
        "metadata": _METADATA,
        "spec": {"type": "object", "additionalProperties": False, "required": ["groups"],
                 "properties": {"groups": {"type": "array", "items": {
                     "type": "object", "additionalProperties": False, "required": ["name", "rules"],
                     "properties": {"name": {"type": "string"}, "interval": _DURATION,
                                    "limit": {"type": "integer"},
                                    "rules": {"type": "array", "items": _RULE}}}}}},
    },
}

# Options of KEDA's Kafka scaler (keda.sh docs, "Apache Kafka" scaler).
KAFKA_TRIGGER_KEYS = {
    "bootstrapServers", "consumerGroup", "topic", "lagThreshold", "activationLagThreshold",
    "offsetResetPolicy", "allowIdleConsumers", "excludePersistentLag", "scaleToZeroOnInvalidOffset",
    "limitToPartitionsWithLag", "partitionLimitation", "version", "sasl", "tls",
}

CUSTOM_SCHEMAS = {("monitoring.coreos.com/v1", "PodMonitor"): POD_MONITOR,
                  ("monitoring.coreos.com/v1", "PrometheusRule"): PROMETHEUS_RULE,
                  ("keda.sh/v1alpha1", "ScaledObject"): SCALED_OBJECT}
