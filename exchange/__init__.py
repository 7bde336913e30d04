"""Inter-agency exchange (liên thông văn bản): edXML packages, queues, transports, the
hub."""
