"""Data resources (数据资源目录): what CityLoop offers to other units, and from which table."""
