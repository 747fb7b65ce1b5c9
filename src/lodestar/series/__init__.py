"""Series: link builders (near-dup, scene, camera, time, folder, PRNU), clustering, edits."""
