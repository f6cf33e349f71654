"""Kargah: online workshops for children's cultural centers."""
