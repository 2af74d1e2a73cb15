"""The genuine tier of the cluster contract: a real kube-apiserver + kube-controller-manager
(v1.20.2, built by `bin/build-kube-apiserver`) on etcd, with a stand-in kubelet."""
