package fleet

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
)

// PortForwards is KWOK's PortForward resource: KWOK's kubelet-like server answers
// pods/portforward of pod X by connecting to the targets of the PortForward named X in
// the pod's namespace.
var PortForwards = schema.GroupVersionResource{Group: "kwok.x-k8s.io", Version: "v1alpha1", Resource: "portforwards"}

// EnvoyAdminPort is the sidecar admin port switchyard port-forwards to.
const EnvoyAdminPort = 15000

// ManagedByLabel marks PortForwards the fleet owns.
const ManagedByLabel = "app.kubernetes.io/managed-by"

// ManagedBy is the value of ManagedByLabel.
const ManagedBy = "proxy-fleet"

// PortForwardObject maps the pod's port 15000 to a loopback listener. The pod owns it, so
// Kubernetes' garbage collector removes it with the pod even if the fleet is gone.
func PortForwardObject(namespace, pod string, podUID types.UID, adminPort int) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "kwok.x-k8s.io/v1alpha1",
		"kind":       "PortForward",
		"metadata": map[string]any{
			"name":      pod,
			"namespace": namespace,
			"labels":    map[string]any{ManagedByLabel: ManagedBy},
			"ownerReferences": []any{map[string]any{
				"apiVersion": "v1", "kind": "Pod", "name": pod, "uid": string(podUID),
			}},
		},
		"spec": map[string]any{
			"forwards": []any{map[string]any{
				"ports":  []any{int64(EnvoyAdminPort)},
				"target": map[string]any{"address": "127.0.0.1", "port": int64(adminPort)},
			}},
		},
	}}
}

// ensurePortForward creates the pod's PortForward, or takes over an existing one of that
// name (from an earlier run), and returns its UID.
func ensurePortForward(ctx context.Context, client dynamic.Interface, want *unstructured.Unstructured) (types.UID, error) {
	res := client.Resource(PortForwards).Namespace(want.GetNamespace())
	created, err := res.Create(ctx, want, metav1.CreateOptions{FieldManager: ManagedBy})
	if err == nil {
		return created.GetUID(), nil
	}
	if !apierrors.IsAlreadyExists(err) {
		return "", fmt.Errorf("create PortForward %s/%s: %w", want.GetNamespace(), want.GetName(), err)
	}
	existing, err := res.Get(ctx, want.GetName(), metav1.GetOptions{})
	if err != nil {
		return "", fmt.Errorf("get PortForward %s/%s: %w", want.GetNamespace(), want.GetName(), err)
	}
	existing.Object["spec"] = want.Object["spec"]
	existing.SetLabels(want.GetLabels())
	existing.SetOwnerReferences(want.GetOwnerReferences())
	updated, err := res.Update(ctx, existing, metav1.UpdateOptions{FieldManager: ManagedBy})
	if err != nil {
		return "", fmt.Errorf("update PortForward %s/%s: %w", want.GetNamespace(), want.GetName(), err)
	}
	return updated.GetUID(), nil
}

// deletePortForward deletes the PortForward the fleet wrote (by UID when known, so a
// newer one of the same name is left alone).
func deletePortForward(ctx context.Context, client dynamic.Interface, namespace, name string, uid types.UID) error {
	opts := metav1.DeleteOptions{}
	if uid != "" {
		opts.Preconditions = &metav1.Preconditions{UID: &uid}
	}
	err := client.Resource(PortForwards).Namespace(namespace).Delete(ctx, name, opts)
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		return fmt.Errorf("delete PortForward %s/%s: %w", namespace, name, err)
	}
	return nil
}
