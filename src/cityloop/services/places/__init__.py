"""Service places (政务服务场所) and their QR doorplates (政务门牌)."""
